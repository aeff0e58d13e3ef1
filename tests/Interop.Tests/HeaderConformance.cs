using System.Reflection;
using System.Text.RegularExpressions;
using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Tests;

/// <summary>
/// Holds src/Interop's OFX constants to the official headers. Each C# constant names its macro by a rule
/// (class prefix + field name, e.g. OfxImageEffectProps.SupportsTiles → kOfxImageEffectPropSupportsTiles) or by
/// <see cref="Irregular"/>; the macro must exist and have exactly the constant's value. The per-clip prefixes are no
/// macros: the headers name them in their text (``OfxImageClipPropRoI_``), and that text must hold the value.
/// </summary>
public static partial class HeaderConformance
{
    public readonly record struct Constant(string Name, string[] Macros, object Value);

    /// <summary>Macro prefixes tried in order for each constants class.</summary>
    private static readonly Dictionary<Type, string[]> Prefixes = new()
    {
        [typeof(OfxActions)] = ["kOfxAction", "kOfxImageEffectAction"],
        [typeof(OfxProps)] = ["kOfxProp", "kOfx"],
        [typeof(OfxImageEffectProps)] = ["kOfxImageEffectProp", "kOfxImageEffectPluginProp", "kOfxImageEffect"],
        [typeof(OfxClipProps)] = ["kOfxImageClipProp"],
        [typeof(OfxImageProps)] = ["kOfxImageProp"],
        [typeof(OfxValues)] = ["kOfxImageEffect", "kOfxImage", "kOfx"],
        [typeof(OfxParamProps)] = ["kOfxParamProp", "kOfxParam"],
        [typeof(OfxMessageTypes)] = ["kOfxMessage"],
        [typeof(OfxSuiteNames)] = ["kOfx"],
        [typeof(OfxStatus)] = ["kOfxStat"],
    };

    /// <summary>Constants whose macro the prefix rule does not reach.</summary>
    private static readonly Dictionary<string, string> Irregular = new()
    {
        ["OfxActions.InteractDraw"] = "kOfxInteractActionDraw",
        ["OfxActions.InteractPenMotion"] = "kOfxInteractActionPenMotion",
        ["OfxActions.InteractPenDown"] = "kOfxInteractActionPenDown",
        ["OfxActions.InteractPenUp"] = "kOfxInteractActionPenUp",
        ["OfxActions.InteractKeyDown"] = "kOfxInteractActionKeyDown",
        ["OfxActions.InteractKeyUp"] = "kOfxInteractActionKeyUp",
        ["OfxActions.InteractKeyRepeat"] = "kOfxInteractActionKeyRepeat",
        ["OfxActions.InteractGainFocus"] = "kOfxInteractActionGainFocus",
        ["OfxActions.InteractLoseFocus"] = "kOfxInteractActionLoseFocus",
        ["OfxProps.TypeHost"] = "kOfxTypeImageEffectHost",
        ["OfxImageEffectProps.PluginGrouping"] = "kOfxImageEffectPluginPropGrouping",
        ["OfxProps.PluginFilePath"] = "kOfxPluginPropFilePath",
        ["OfxProps.PluginParamPageOrder"] = "kOfxPluginPropParamPageOrder",
        ["OfxImageEffectProps.HostIsBackground"] = "kOfxImageEffectHostPropIsBackground",
        ["OfxImageEffectProps.RenderThreadSafety"] = "kOfxImageEffectPluginRenderThreadSafety",
        ["OfxClipProps.RoIPrefix"] = "``OfxImageClipPropRoI_``",
        ["OfxClipProps.FrameRangePrefix"] = "``OfxImageClipPropFrameRange_``",
        ["OfxClipProps.DepthPrefix"] = "``OfxImageClipPropDepth_``",
        ["OfxClipProps.ComponentsPrefix"] = "``OfxImageClipPropComponents_``",
        ["OfxClipProps.PARPrefix"] = "``OfxImageClipPropPAR_``",
        ["OfxParamProps.HostMaxParameters"] = "kOfxParamHostPropMaxParameters",
        ["OfxParamProps.HostMaxPages"] = "kOfxParamHostPropMaxPages",
        ["OfxParamProps.HostSupportsCustomAnimation"] = "kOfxParamHostPropSupportsCustomAnimation",
        ["OfxSuiteNames.OpenGLRender"] = "kOfxOpenGLRenderSuite",
        ["OfxSuiteNames.ImageEffectPluginApi"] = "kOfxImageEffectPluginApi",
        ["OfxSuiteNames.ImageEffectPluginApiVersion"] = "kOfxImageEffectPluginApiVersion",
    };

    /// <summary>Every public string or int constant of the Interop constants classes with the macros it may stand for.</summary>
    public static IEnumerable<Constant> InteropConstants() =>
        Prefixes.SelectMany(kv => kv.Key.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && (f.FieldType == typeof(string) || f.FieldType == typeof(int)))
            .Select(f =>
            {
                string name = $"{kv.Key.Name}.{f.Name}";
                string suffix = kv.Key == typeof(OfxSuiteNames) ? "Suite" : "";
                string[] macros = Irregular.TryGetValue(name, out var m) ? [m] : kv.Value.Select(p => p + f.Name + suffix).ToArray();
                return new Constant(name, macros, f.GetRawConstantValue()!);
            }));

    /// <summary>What is wrong, one line per constant; empty when every constant matches its macro.</summary>
    public static List<string> Check(IEnumerable<Constant> constants, OfxHeaders headers)
    {
        var problems = new List<string>();
        foreach (var c in constants)
        {
            if (c.Macros is [['`', ..] doc])
            {
                if (!headers.Documented.Contains(doc.Trim('`')) || doc.Trim('`') != c.Value as string)
                    problems.Add($"{c.Name} is {Show(c.Value)} but the headers document {doc}");
                continue;
            }
            string? macro = c.Macros.FirstOrDefault(m => headers.Strings.ContainsKey(m) || headers.Integers.ContainsKey(m));
            if (macro == null)
            {
                problems.Add($"{c.Name}: no macro {string.Join(" or ", c.Macros)} in {headers.Folder}");
                continue;
            }
            object? expected = headers.Strings.TryGetValue(macro, out var s) ? s : headers.Integers.TryGetValue(macro, out var n) ? n : null;
            bool same = c.Value is string v ? v == expected as string : expected is long e && e == Convert.ToInt64(c.Value);
            if (!same) problems.Add($"{c.Name} is {Show(c.Value)} but {macro} is {Show(expected)}");
        }
        return problems;
    }

    private static string Show(object? v) => v is string s ? $"\"{s}\"" : v?.ToString() ?? "(not a string or integer)";

    [GeneratedRegex(@"(?<![A-Za-z0-9_=])""(Ofx[A-Za-z0-9_]*)""")]
    private static partial Regex OfxLiteral();

    /// <summary>
    /// Every "Ofx…" string literal in the given C# sources that is not the value of any header macro (a property name
    /// typed in place instead of taken from the constants) nor a name the headers' text documents. Export names
    /// (OfxGetPlugin, …) are functions, not macros; <c>cref="…"</c> names a C# type.
    /// </summary>
    public static List<string> UnknownLiterals(IEnumerable<string> files, OfxHeaders headers)
    {
        var values = headers.Strings.Values.ToHashSet();
        string[] exports = ["OfxGetNumberOfPlugins", "OfxGetPlugin", "OfxSetHost"];
        var problems = new List<string>();
        foreach (var file in files)
        {
            int lineNo = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNo++;
                foreach (Match m in OfxLiteral().Matches(line))
                {
                    string v = m.Groups[1].Value;
                    if (!values.Contains(v) && !headers.Documented.Contains(v) && !exports.Contains(v))
                        problems.Add($"{Path.GetFileName(file)}:{lineNo}: \"{v}\" is not the value of any OFX macro");
                }
            }
        }
        return problems;
    }
}
