using System.Runtime.InteropServices;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>HxLayout of common.cuh, passed to kernels by value: up to three operands over one coalesced shape.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HxLayout
{
    public const int MaxRank = 8;
    public int Rank;
    public int N;
    public fixed int Shape[MaxRank];
    public fixed int S0[MaxRank];
    public fixed int S1[MaxRank];
    public fixed int S2[MaxRank];
    public int O0, O1, O2;
}

/// <summary>HxReduce of reduce.cu: the kept and the reduced dims of a SumTo.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HxReduce
{
    public int Nk;
    public fixed int KShape[HxLayout.MaxRank];
    public fixed int KStride[HxLayout.MaxRank];
    public int Nr;
    public fixed int RShape[HxLayout.MaxRank];
    public fixed int RStride[HxLayout.MaxRank];
    public int Outputs;
    public int Inner;
    public int Xo;
}

/// <summary>HxConv of conv.cu: one group's geometry.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HxConv
{
    public int C, H, W, Kh, Kw, Ho, Wo;
    public int Sh, Sw, Ph, Pw, Dh, Dw;
}

/// <summary>HxPool of pool.cu.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HxPool
{
    public int Planes, H, W, Ho, Wo;
    public int Kh, Kw, Sh, Sw, Ph, Pw;
}

/// <summary>HxSample of sample.cu.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HxSample
{
    public int N, C, H, W, Ho, Wo;
    public int Sn, Sh, Sw, Sc, Co;
    public int Flow, AlignCorners, Border;
}

/// <summary>HxDeform of deform.cu.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HxDeform
{
    public int C, H, W, Kh, Kw, Ho, Wo, G;
    public int Sh, Sw, Ph, Pw, Dh, Dw;
}
