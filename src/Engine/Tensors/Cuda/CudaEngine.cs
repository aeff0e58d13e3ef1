namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// The engine's one CUDA backend for device 0, opened once per process on first use (after <see cref="CudaRuntime"/>'s
/// probe) and registered with <see cref="Backends"/>; null, with the reason, when no usable device is found. Everything
/// that runs on the GPU in production (the `tcam` method, `hdrofx gpu-check`) shares it, so device 0 has a single
/// backend, allocator and stream. It lives until the process ends (no finalizer touches device memory).
/// </summary>
public static class CudaEngine
{
    private static readonly Lazy<(CudaBackend? Backend, string Reason)> Opened = new(Open, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared backend, or null when CUDA is unavailable (then <paramref name="reason"/> says why, in one line).</summary>
    public static CudaBackend? TryGet(out string reason)
    {
        var (backend, why) = Opened.Value;
        reason = why;
        return backend;
    }

    private static (CudaBackend?, string) Open()
    {
        try
        {
            var api = CudaDriverApi.TryCreate(out string why);
            if (api is null) return (null, why);
            var gpu = new CudaBackend(api, index: 0);
            Backends.Register(gpu);
            return (gpu, "");
        }
        catch (Exception e) // a library that loads but misbehaves must not take the process down: the CPU remains
        {
            return (null, $"opening the CUDA backend failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
