using System.Globalization;
using HdrOfx.Engine.Nn;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>
/// A training stage's checkpoint folder: model, EMA and AdamW state as safetensors plus a key=value state.txt,
/// written to folder.new and swapped in (folder.old survives a crash in between), so a run can always resume.
/// </summary>
public static class StageCheckpoint
{
    public static void Save(string dir, Module model, Ema ema, AdamW optimizer, IEnumerable<(string Key, string Value)> state)
    {
        string fresh = dir + ".new", old = dir + ".old";
        if (Directory.Exists(fresh)) Directory.Delete(fresh, true);
        Directory.CreateDirectory(fresh);
        Safetensors.Save(model, Path.Combine(fresh, "model.safetensors"));
        Safetensors.Save(Path.Combine(fresh, "ema.safetensors"), ema.StateDict());
        optimizer.SaveState(Path.Combine(fresh, "adamw.safetensors"));
        File.WriteAllText(Path.Combine(fresh, "state.txt"), string.Concat(state.Select(p => $"{p.Key}={p.Value}\n")));
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(fresh, dir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>
    /// Restores model, EMA and optimizer; returns state.txt. Reads folder.old when a swap was interrupted. Refuses
    /// (before reading any weights) a checkpoint whose state.txt does not hold each of <paramref name="identity"/>.
    /// </summary>
    public static Dictionary<string, string> Load(string dir, Module model, Ema ema, AdamW optimizer, IEnumerable<(string Key, string Value)> identity)
    {
        string named = dir;
        if (!Directory.Exists(dir) && Directory.Exists(dir + ".old")) dir += ".old";
        if (!File.Exists(Path.Combine(dir, "state.txt"))) throw new IOException($"--resume: no checkpoint in '{dir}'");
        var state = File.ReadAllLines(Path.Combine(dir, "state.txt")).Where(l => l.Contains('=')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        foreach (var (key, want) in identity)
            if (state.GetValueOrDefault(key) != want) throw new IOException($"--resume: the checkpoint in '{named}' has {key} '{state.GetValueOrDefault(key)}', not '{want}'");
        Safetensors.Load(model, Path.Combine(dir, "model.safetensors"));
        using (var file = Safetensors.Load(Path.Combine(dir, "ema.safetensors")))
        {
            var shadow = ema.StateDict();
            foreach (var (name, t) in file.Tensors)
            {
                if (!shadow.TryGetValue(name, out var s)) throw new IOException($"--resume: '{dir}/ema.safetensors' has unknown tensor '{name}'");
                t.Span.CopyTo(s.Span);
            }
        }
        optimizer.LoadState(Path.Combine(dir, "adamw.safetensors"));
        return state;
    }

    public static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
