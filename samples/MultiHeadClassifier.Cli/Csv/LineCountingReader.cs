namespace MultiHeadClassifier.Cli.Csv;

/// <summary>
/// A text reader that remembers where the line breaks it has handed out are, so that the line of a character
/// offset can be found without keeping the text: a break is a <c>\n</c>, or a <c>\r</c> not followed by <c>\n</c>.
/// Only breaks not yet passed by <see cref="LineAt"/> are kept, so memory holds about one read buffer's worth.
/// </summary>
/// <param name="inner">The reader to wrap; disposed with this one.</param>
internal sealed class LineCountingReader(TextReader inner) : TextReader
{
    private readonly Queue<long> _breaks = new();
    private long _offset;
    private bool _pendingReturn;
    private int _line = 1;

    /// <summary>The 1-based line of a character offset; offsets must not decrease between calls.</summary>
    /// <param name="offset">Characters from the start of the text.</param>
    /// <returns>The line on which that character is.</returns>
    public int LineAt(long offset)
    {
        while (_breaks.Count > 0 && _breaks.Peek() < offset)
        {
            _breaks.Dequeue();
            _line++;
        }

        return _line;
    }

    /// <inheritdoc />
    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    /// <inheritdoc />
    public override int Read(Span<char> buffer)
    {
        int read = inner.Read(buffer);
        if (_pendingReturn)
        {
            // A '\r' that ended the previous read is a break unless this read starts with '\n'.
            if (read == 0 || buffer[0] != '\n')
            {
                _breaks.Enqueue(_offset - 1);
            }

            _pendingReturn = false;
        }

        for (int i = 0; i < read; i++)
        {
            char c = buffer[i];
            if (c == '\n')
            {
                _breaks.Enqueue(_offset + i);
            }
            else if (c == '\r')
            {
                if (i + 1 < read)
                {
                    if (buffer[i + 1] != '\n')
                    {
                        _breaks.Enqueue(_offset + i);
                    }
                }
                else
                {
                    _pendingReturn = true;
                }
            }
        }

        _offset += read;
        return read;
    }

    /// <inheritdoc />
    public override int Read()
    {
        Span<char> one = stackalloc char[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    /// <inheritdoc />
    public override int Peek() => inner.Peek();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
