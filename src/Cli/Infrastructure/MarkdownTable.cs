using System.Globalization;
using System.Text;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>A small markdown table: printed to stdout and written to docs/result files alike.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params object?[] cells) =>
        _rows.Add(cells.Select(c => c switch
        {
            null => "–",
            double d => d.ToString("0.00", CultureInfo.InvariantCulture),
            float f => f.ToString("0.00", CultureInfo.InvariantCulture),
            _ => Convert.ToString(c, CultureInfo.InvariantCulture) ?? "",
        }).ToArray());

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
        sb.Append('|').AppendJoin('|', headers.Select(_ => "---")).AppendLine("|");
        foreach (var r in _rows) sb.Append("| ").AppendJoin(" | ", r).AppendLine(" |");
        return sb.ToString();
    }
}
