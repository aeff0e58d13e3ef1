using System.Runtime.InteropServices;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>The three convolution passes cuDNN runs for the backend.</summary>
public enum ConvPass { Forward, BackwardData, BackwardFilter }

/// <summary>One conv2d shape: input [N, C, H, W], weight [O, C/G, Kh, Kw], output [N, O, Ho, Wo].</summary>
public readonly record struct ConvShape(int N, int C, int H, int W, int O, int Kh, int Kw, int Ho, int Wo, Conv2dParams P);

/// <summary>
/// cuDNN's legacy convolution API (cudnn.h / cudnn_cnn.h, still in cuDNN 9): NCHW float tensors, cross-correlation,
/// groups; algorithms chosen by the _v7 heuristics. fp32 mode runs with CUDNN_FMA_MATH (no TF32), the tensor-core modes
/// with CUDNN_TENSOR_OP_MATH (TF32 on float data; cuDNN has no BF16-compute mode for float tensors, so BF16 runs as TF32).
/// </summary>
public sealed unsafe class Cudnn
{
    [StructLayout(LayoutKind.Sequential)]
    private struct AlgoPerf // cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t: identical layouts
    {
        public int Algo;
        public int Status;
        public float Time;
        public nuint Memory;
        public int Determinism;
        public int MathType;
        public fixed int Reserved[3];
    }

    private readonly delegate* unmanaged[Cdecl]<nint*, int> _create;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _destroy;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, int> _setStream;
    private readonly delegate* unmanaged[Cdecl]<int, byte*> _errorString;
    private readonly delegate* unmanaged[Cdecl]<nint*, int> _createTensor;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, int, int> _setTensor4d;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _destroyTensor;
    private readonly delegate* unmanaged[Cdecl]<nint*, int> _createFilter;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, int, int> _setFilter4d;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _destroyFilter;
    private readonly delegate* unmanaged[Cdecl]<nint*, int> _createConv;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, int, int, int, int> _setConv2d;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int> _setGroups;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int> _setMath;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _destroyConv;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, int*, AlgoPerf*, int> _fwdAlgo;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, int*, AlgoPerf*, int> _bwdDataAlgo;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, int*, AlgoPerf*, int> _bwdFilterAlgo;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, nuint*, int> _fwdWs;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, nuint*, int> _bwdDataWs;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, nuint*, int> _bwdFilterWs;
    private readonly delegate* unmanaged[Cdecl]<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> _fwd;
    private readonly delegate* unmanaged[Cdecl]<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> _bwdData;
    private readonly delegate* unmanaged[Cdecl]<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> _bwdFilter;

    // cudnn.h enum values
    private const int FormatNchw = 0, DataFloat = 0, CrossCorrelation = 1, MathTensorOp = 1, MathFma = 3;

    public Cudnn(nint lib)
    {
        _create = (delegate* unmanaged[Cdecl]<nint*, int>)Export(lib, "cudnnCreate");
        _destroy = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cudnnDestroy");
        _setStream = (delegate* unmanaged[Cdecl]<nint, nint, int>)Export(lib, "cudnnSetStream");
        _errorString = (delegate* unmanaged[Cdecl]<int, byte*>)Export(lib, "cudnnGetErrorString");
        _createTensor = (delegate* unmanaged[Cdecl]<nint*, int>)Export(lib, "cudnnCreateTensorDescriptor");
        _setTensor4d = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, int, int>)Export(lib, "cudnnSetTensor4dDescriptor");
        _destroyTensor = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cudnnDestroyTensorDescriptor");
        _createFilter = (delegate* unmanaged[Cdecl]<nint*, int>)Export(lib, "cudnnCreateFilterDescriptor");
        _setFilter4d = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, int, int>)Export(lib, "cudnnSetFilter4dDescriptor");
        _destroyFilter = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cudnnDestroyFilterDescriptor");
        _createConv = (delegate* unmanaged[Cdecl]<nint*, int>)Export(lib, "cudnnCreateConvolutionDescriptor");
        _setConv2d = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, int, int, int, int>)Export(lib, "cudnnSetConvolution2dDescriptor");
        _setGroups = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(lib, "cudnnSetConvolutionGroupCount");
        _setMath = (delegate* unmanaged[Cdecl]<nint, int, int>)Export(lib, "cudnnSetConvolutionMathType");
        _destroyConv = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cudnnDestroyConvolutionDescriptor");
        _fwdAlgo = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, int*, AlgoPerf*, int>)Export(lib, "cudnnGetConvolutionForwardAlgorithm_v7");
        _bwdDataAlgo = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, int*, AlgoPerf*, int>)Export(lib, "cudnnGetConvolutionBackwardDataAlgorithm_v7");
        _bwdFilterAlgo = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, int*, AlgoPerf*, int>)Export(lib, "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
        _fwdWs = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, nuint*, int>)Export(lib, "cudnnGetConvolutionForwardWorkspaceSize");
        _bwdDataWs = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, nuint*, int>)Export(lib, "cudnnGetConvolutionBackwardDataWorkspaceSize");
        _bwdFilterWs = (delegate* unmanaged[Cdecl]<nint, nint, nint, nint, nint, int, nuint*, int>)Export(lib, "cudnnGetConvolutionBackwardFilterWorkspaceSize");
        _fwd = (delegate* unmanaged[Cdecl]<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)Export(lib, "cudnnConvolutionForward");
        _bwdData = (delegate* unmanaged[Cdecl]<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)Export(lib, "cudnnConvolutionBackwardData");
        _bwdFilter = (delegate* unmanaged[Cdecl]<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)Export(lib, "cudnnConvolutionBackwardFilter");
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"cuDNN has no '{name}'");

    public string ErrorName(int status)
    {
        byte* s = _errorString(status);
        return s == null ? $"cudnnStatus {status}" : Marshal.PtrToStringUTF8((nint)s) ?? $"cudnnStatus {status}";
    }

    public nint CreateHandle()
    {
        nint h;
        CudaStatus.Check(_create(&h), ErrorName);
        return h;
    }

    public void DestroyHandle(nint h) => CudaStatus.Check(_destroy(h), ErrorName);

    /// <summary>Descriptors, algorithm and workspace size of one (pass, shape, precision); reused for every call with them.</summary>
    public sealed class Plan
    {
        internal nint X, W, Y, Conv;
        internal int Algo;
        public long WorkspaceBytes { get; internal set; }
        public ConvPass Pass { get; internal init; }
    }

    public Plan CreatePlan(nint handle, ConvPass pass, ConvShape s, GemmPrecision precision)
    {
        var p = new Plan { Pass = pass };
        try
        {
            nint d;
            CudaStatus.Check(_createTensor(&d), ErrorName); p.X = d;
            CudaStatus.Check(_setTensor4d(p.X, FormatNchw, DataFloat, s.N, s.C, s.H, s.W), ErrorName);
            CudaStatus.Check(_createTensor(&d), ErrorName); p.Y = d;
            CudaStatus.Check(_setTensor4d(p.Y, FormatNchw, DataFloat, s.N, s.O, s.Ho, s.Wo), ErrorName);
            CudaStatus.Check(_createFilter(&d), ErrorName); p.W = d;
            CudaStatus.Check(_setFilter4d(p.W, DataFloat, FormatNchw, s.O, s.C / s.P.Groups, s.Kh, s.Kw), ErrorName);
            CudaStatus.Check(_createConv(&d), ErrorName); p.Conv = d;
            CudaStatus.Check(_setConv2d(p.Conv, s.P.PadH, s.P.PadW, s.P.StrideH, s.P.StrideW, s.P.DilationH, s.P.DilationW, CrossCorrelation, DataFloat), ErrorName);
            CudaStatus.Check(_setGroups(p.Conv, s.P.Groups), ErrorName);
            CudaStatus.Check(_setMath(p.Conv, precision == GemmPrecision.Fp32 ? MathFma : MathTensorOp), ErrorName);
            const int Want = 8;
            var perf = stackalloc AlgoPerf[Want];
            int got;
            nuint ws;
            switch (pass)
            {
                case ConvPass.Forward:
                    CudaStatus.Check(_fwdAlgo(handle, p.X, p.W, p.Conv, p.Y, Want, &got, perf), ErrorName);
                    p.Algo = Pick(perf, got, pass);
                    CudaStatus.Check(_fwdWs(handle, p.X, p.W, p.Conv, p.Y, p.Algo, &ws), ErrorName);
                    break;
                case ConvPass.BackwardData:
                    CudaStatus.Check(_bwdDataAlgo(handle, p.W, p.Y, p.Conv, p.X, Want, &got, perf), ErrorName);
                    p.Algo = Pick(perf, got, pass);
                    CudaStatus.Check(_bwdDataWs(handle, p.W, p.Y, p.Conv, p.X, p.Algo, &ws), ErrorName);
                    break;
                default:
                    CudaStatus.Check(_bwdFilterAlgo(handle, p.X, p.Y, p.Conv, p.W, Want, &got, perf), ErrorName);
                    p.Algo = Pick(perf, got, pass);
                    CudaStatus.Check(_bwdFilterWs(handle, p.X, p.Y, p.Conv, p.W, p.Algo, &ws), ErrorName);
                    break;
            }
            p.WorkspaceBytes = (long)ws;
            return p;
        }
        catch
        {
            DestroyPlan(p);
            throw;
        }
    }

    /// <summary>The heuristics' first algorithm that reports success (they come best first).</summary>
    private static int Pick(AlgoPerf* perf, int got, ConvPass pass)
    {
        for (int i = 0; i < got; i++)
            if (perf[i].Status == 0) return perf[i].Algo;
        throw new CudaException($"cuDNN offers no usable {pass} algorithm for this convolution", 9 /* CUDNN_STATUS_NOT_SUPPORTED */);
    }

    public void DestroyPlan(Plan p)
    {
        if (p.X != 0) CudaStatus.Check(_destroyTensor(p.X), ErrorName);
        if (p.Y != 0) CudaStatus.Check(_destroyTensor(p.Y), ErrorName);
        if (p.W != 0) CudaStatus.Check(_destroyFilter(p.W), ErrorName);
        if (p.Conv != 0) CudaStatus.Check(_destroyConv(p.Conv), ErrorName);
        p.X = p.Y = p.W = p.Conv = 0;
    }

    /// <summary>
    /// Runs the plan's pass on <paramref name="stream"/>: Forward y = conv(x, w); BackwardData x = convᵀ(y, w);
    /// BackwardFilter w = dconv/dw(x, y). The written operand gets beta·old + result.
    /// </summary>
    public void Run(nint handle, Plan p, nint x, nint w, nint y, nint workspace, float beta, nint stream)
    {
        CudaStatus.Check(_setStream(handle, stream), ErrorName);
        float alpha = 1f;
        nuint wsBytes = (nuint)p.WorkspaceBytes;
        int st = p.Pass switch
        {
            ConvPass.Forward => _fwd(handle, &alpha, p.X, x, p.W, w, p.Conv, p.Algo, workspace, wsBytes, &beta, p.Y, y),
            ConvPass.BackwardData => _bwdData(handle, &alpha, p.W, w, p.Y, y, p.Conv, p.Algo, workspace, wsBytes, &beta, p.X, x),
            _ => _bwdFilter(handle, &alpha, p.X, x, p.Y, y, p.Conv, p.Algo, workspace, wsBytes, &beta, p.W, w),
        };
        CudaStatus.Check(st, ErrorName, $"cuDNN {p.Pass} (algorithm {p.Algo})");
    }
}
