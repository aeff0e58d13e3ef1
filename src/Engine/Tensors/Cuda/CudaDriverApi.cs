using System.Text;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// <see cref="ICudaApi"/> on the real driver: the probed primary context (made current on each calling thread), NVRTC
/// with <see cref="KernelCache"/>, and one cuBLAS handle. Every status is checked with its call site.
/// </summary>
public sealed unsafe class CudaDriverApi : ICudaApi, IDisposable
{
    /// <summary>NVRTC options of every build; part of the cache key.</summary>
    public static readonly string[] CompileOptions = ["--std=c++17", "-default-device"];

    private readonly CudaDriver _d;
    private readonly Nvrtc _nvrtc;
    private readonly Cublas _blas;
    private readonly Cudnn? _dnn;
    private readonly Dictionary<(ConvPass, ConvShape, GemmPrecision), Cudnn.Plan> _plans = new();
    private nint _dnnHandle;
    private readonly nint _ctx;
    private readonly CudaDeviceInfo _info;
    private readonly object _blasGate = new();
    private readonly Lazy<nint> _module;
    private nint _blasHandle;
    [ThreadStatic] private static nint _currentOnThread;

    public KernelCache Cache { get; }
    /// <summary>Whether the module was built from PTX (NVRTC did not know the architecture) rather than a cubin.</summary>
    public bool FromPtx { get; private set; }
    public string NvrtcVersion { get; }

    private CudaDriverApi(CudaLibraries libs, CudaDriver d, CudaDeviceInfo info, nint ctx, KernelCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _d = d;
        _info = info;
        _ctx = ctx;
        _nvrtc = new Nvrtc(libs.Nvrtc);
        _blas = new Cublas(libs.Cublas);
        if (libs.Cudnn != 0)
        {
            try { _dnn = new Cudnn(libs.Cudnn); }
            catch (EntryPointNotFoundException e) { CudnnUnavailable = e.Message; }
        }
        else CudnnUnavailable = "cuDNN not found";
        Cache = cache;
        NvrtcVersion = _nvrtc.Version;
        _module = new Lazy<nint>(BuildModule, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The API on the device <see cref="CudaRuntime"/> probed, or null with the reason.</summary>
    public static CudaDriverApi? TryCreate(out string reason, KernelCache? cache = null)
    {
        var context = CudaRuntime.Context;
        if (context is null)
        {
            reason = CudaRuntime.Reason;
            return null;
        }
        return TryCreate(context, out reason, cache);
    }

    /// <summary>The API on an opened device (<see cref="CudaRuntime.TryOpen"/>), or null with the reason.</summary>
    public static CudaDriverApi? TryCreate(CudaContext context, out string reason, KernelCache? cache = null)
    {
        try
        {
            reason = "";
            return new CudaDriverApi(context.Libraries, context.Driver, context.Device, context.PrimaryContext,
                cache ?? new KernelCache(KernelCache.DefaultFolder()));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or CudaException)
        {
            reason = e.Message;
            return null;
        }
    }

    public string Description => _info.ToString();

    public bool HasCudnn => _dnn != null;

    /// <summary>Why cuDNN is not used (empty when it is loaded).</summary>
    public string CudnnUnavailable { get; } = "";
    public CudaDeviceInfo Info => _info;

    private void Current()
    {
        if (_currentOnThread == _ctx) return;
        CudaStatus.Check(_d.CtxSetCurrent(_ctx), _d.ErrorName);
        _currentOnThread = _ctx;
    }

    public nint Allocate(long bytes)
    {
        Current();
        nint p;
        CudaStatus.Check(_d.MemAlloc(&p, (nuint)bytes), _d.ErrorName);
        return p;
    }

    public void Free(nint ptr)
    {
        Current();
        CudaStatus.Check(_d.MemFree(ptr), _d.ErrorName);
    }

    public (long Free, long Total) MemoryInfo()
    {
        Current();
        nuint free, total;
        CudaStatus.Check(_d.MemGetInfo(&free, &total), _d.ErrorName);
        return ((long)free, (long)total);
    }

    public nint CreateStream()
    {
        Current();
        nint s;
        CudaStatus.Check(_d.StreamCreate(&s, CudaDriver.StreamNonBlocking), _d.ErrorName);
        return s;
    }

    public void DestroyStream(nint stream)
    {
        Current();
        CudaStatus.Check(_d.StreamDestroy(stream), _d.ErrorName);
    }

    public void Synchronize(nint stream)
    {
        Current();
        CudaStatus.Check(_d.StreamSynchronize(stream), _d.ErrorName);
    }

    public void CopyHostToDevice(nint dst, void* src, long bytes, nint stream)
    {
        Current();
        CudaStatus.Check(_d.MemcpyHtoDAsync(dst, src, (nuint)bytes, stream), _d.ErrorName);
    }

    public void CopyDeviceToHost(void* dst, nint src, long bytes, nint stream)
    {
        Current();
        CudaStatus.Check(_d.MemcpyDtoHAsync(dst, src, (nuint)bytes, stream), _d.ErrorName);
    }

    public void CopyDeviceToDevice(nint dst, nint src, long bytes, nint stream)
    {
        Current();
        CudaStatus.Check(_d.MemcpyDtoDAsync(dst, src, (nuint)bytes, stream), _d.ErrorName);
    }

    public void Memset32(nint dst, uint value, long count, nint stream)
    {
        Current();
        CudaStatus.Check(_d.MemsetD32Async(dst, value, (nuint)count, stream), _d.ErrorName);
    }

    private nint BuildModule()
    {
        Current();
        string key = KernelCache.Key(CudaKernelSource.Hash, _info.Architecture, "nvrtc " + NvrtcVersion, CompileOptions);
        return Cache.GetOrCompile<nint>(key, () =>
        {
            var image = _nvrtc.Compile(CudaKernelSource.Text, "hdrofx_kernels.cu", _info.Architecture, CompileOptions, out bool ptx);
            FromPtx = ptx;
            return image;
        }, image =>
        {
            nint m;
            int st;
            fixed (byte* p = image) st = _d.ModuleLoadData(&m, p);
            return st == CudaStatus.Success ? m : null;
        });
    }

    public nint Function(string name)
    {
        Current();
        nint module = _module.Value;
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        nint f;
        int st;
        fixed (byte* p = bytes) st = _d.ModuleGetFunction(&f, module, p);
        CudaStatus.Check(st, _d.ErrorName, $"cuModuleGetFunction({name})");
        return f;
    }

    public void Launch(nint function, int gridX, int blockX, nint stream, void** args)
    {
        Current();
        CudaStatus.Check(_d.LaunchKernel(function, (uint)gridX, 1, 1, (uint)blockX, 1, 1, 0, stream, args, null), _d.ErrorName);
    }

    public void Gemm(GemmOp opA, GemmOp opB, int m, int n, int k, float alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB,
        float beta, nint c, int ldc, long strideC, int batch, GemmPrecision precision, nint stream)
    {
        Current();
        lock (_blasGate)
        {
            if (_blasHandle == 0)
            {
                nint h;
                CudaStatus.Check(_blas.Create(&h), Cublas.StatusName);
                _blasHandle = h;
            }
            CudaStatus.Check(_blas.SetStream(_blasHandle, stream), Cublas.StatusName);
            CudaStatus.Check(_blas.GemmStridedBatchedEx(_blasHandle, (int)opA, (int)opB, m, n, k, &alpha,
                a, Cublas.R32F, lda, strideA, b, Cublas.R32F, ldb, strideB, &beta,
                c, Cublas.R32F, ldc, strideC, batch, Cublas.ComputeType(precision), Cublas.GemmDefault), Cublas.StatusName);
        }
    }

    private Cudnn.Plan PlanFor(ConvPass pass, ConvShape shape, GemmPrecision precision)
    {
        if (_dnn is null) throw new InvalidOperationException("cuDNN is not loaded: " + CudnnUnavailable);
        if (_dnnHandle == 0) _dnnHandle = _dnn.CreateHandle();
        var key = (pass, shape, precision);
        if (!_plans.TryGetValue(key, out var plan)) _plans[key] = plan = _dnn.CreatePlan(_dnnHandle, pass, shape, precision);
        return plan;
    }

    public long ConvolutionWorkspace(ConvPass pass, ConvShape shape, GemmPrecision precision)
    {
        Current();
        lock (_plans) return PlanFor(pass, shape, precision).WorkspaceBytes;
    }

    public void Convolution(ConvPass pass, ConvShape shape, GemmPrecision precision, nint x, nint w, nint y, nint workspace, float beta, nint stream)
    {
        Current();
        lock (_plans) _dnn!.Run(_dnnHandle, PlanFor(pass, shape, precision), x, w, y, workspace, beta, stream);
    }

    public void Dispose()
    {
        lock (_plans)
        {
            foreach (var p in _plans.Values) _dnn!.DestroyPlan(p);
            _plans.Clear();
            if (_dnnHandle != 0)
            {
                Current();
                var h = _dnnHandle;
                _dnnHandle = 0;
                _dnn!.DestroyHandle(h);
            }
        }
        lock (_blasGate)
        {
            if (_blasHandle != 0)
            {
                Current();
                var h = _blasHandle;
                _blasHandle = 0;
                CudaStatus.Check(_blas.Destroy(h), Cublas.StatusName);
            }
        }
        if (_module.IsValueCreated) CudaStatus.Check(_d.ModuleUnload(_module.Value), _d.ErrorName);
    }
}
