using MultiHeadClassifier.Serving;

return ServingApp.Run(args, Console.Out, Console.Error);
