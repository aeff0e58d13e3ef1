namespace HdrOfx.Engine.Reconstruction;

/// <summary>Registers every method this assembly ships. Called once by the CLI and the plugin at start.</summary>
public static class BuiltInMethods
{
    private static int _done;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        // Classical methods register here (src/Engine/Classical).
        Classical.ClassicalMethods.Register();
        Models.TcamMethods.Register();
        Models.Ldm.LdmMethods.Register();
        Models.Zica.HdrVDiffMethods.Register();
    }
}
