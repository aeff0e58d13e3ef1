namespace HdrOfx.Engine.Tensors.Autograd;

/// <summary>Per-thread switch for recording the autograd graph.</summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabled;

    public static bool IsEnabled => _disabled == 0;

    internal static bool IsEnabledForChecks => _disabled == 0;

    /// <summary>Ops inside do not record gradients (inference, optimizer updates, backward itself).</summary>
    public static NoGradScope NoGrad()
    {
        _disabled++;
        return new NoGradScope();
    }

    public readonly struct NoGradScope : IDisposable
    {
        public void Dispose() => _disabled--;
    }
}
