using System.Globalization;
using System.Text;

namespace MultiHeadClassifier.Cli.Csv;

/// <summary>Puts CSV text into one-line error messages.</summary>
internal static class MessageText
{
    /// <summary>The most characters of a cell shown in a message.</summary>
    public const int MaxLength = 40;

    /// <summary>
    /// Quotes a cell or column name for a message: <c>'text'</c>, with line breaks, tabs and other control or
    /// invisible format characters (such as a stray byte-order mark) escaped, and long text cut short with <c>...</c>.
    /// </summary>
    /// <param name="text">The cell or name.</param>
    /// <returns>The quoted text, on one line.</returns>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder("'");
        foreach (char c in text.Length > MaxLength ? text[..MaxLength] : text)
        {
            _ = c switch
            {
                '\r' => result.Append("\\r"),
                '\n' => result.Append("\\n"),
                '\t' => result.Append("\\t"),
                _ when char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format => result.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => result.Append(c),
            };
        }

        return result.Append(text.Length > MaxLength ? "...'" : "'").ToString();
    }
}
