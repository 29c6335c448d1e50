using MultiHeadClassifier.Cli;

// The first Ctrl+C stops training at the end of the current batch, so that a run with --checkpoint-every can be
// continued with --resume; a second one ends the process at once. Other commands stop at the first.
var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = args is ["train", ..] && !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};

return Cli.Run(args, Console.Out, Console.Error, cancellationToken: interrupt.Token);
