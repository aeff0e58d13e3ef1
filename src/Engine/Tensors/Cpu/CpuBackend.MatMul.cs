namespace HdrOfx.Engine.Tensors.Cpu;

public sealed partial class CpuBackend
{
    public void MatMul(Tensor a, Tensor b, Tensor c, bool accumulate)
    {
        int r = c.Rank;
        int M = c.Shape[r - 2], N = c.Shape[r - 1], K = a.Shape[r - 1];
        int batch = M * N == 0 ? 0 : c.Numel / (M * N);
        if (batch == 0) return;
        int rsA = a.Strides[r - 2], csA = a.Strides[r - 1], rsB = b.Strides[r - 2], csB = b.Strides[r - 1];
        float[] aa = a.CpuArray, ba = b.CpuArray, ca = c.CpuArray;
        var body = new MatMulBody(a, b, c, M, N, K, rsA, csA, rsB, csB, aa, ba, ca, accumulate);
        long flops = 2L * M * N * K;
        if (batch >= ParallelRange.MaxThreads && flops < (1L << 24))
            ParallelRange.For(batch, 1, body with { Threads = 1 });
        else
            body.Invoke(0, batch);
    }

    private readonly record struct MatMulBody(Tensor A, Tensor B, Tensor C, int M, int N, int K, int RsA, int CsA, int RsB, int CsB,
        float[] Aa, float[] Ba, float[] Ca, bool Accumulate) : IRangeOperation
    {
        public int Threads { get; init; }

        public void Invoke(int s, int e)
        {
            int r = C.Rank;
            for (int bi = s; bi < e; bi++)
            {
                int ao = A.Offset, bo = B.Offset, rem = bi;
                for (int d = r - 3; d >= 0; d--)
                {
                    int sz = C.Shape[d];
                    int ix = rem % sz; rem /= sz;
                    ao += ix * A.Strides[d]; bo += ix * B.Strides[d];
                }
                Sgemm.Run(M, N, K, Aa, ao, RsA, CsA, Ba, bo, RsB, CsB, Ca, C.Offset + bi * M * N, N, Accumulate, Threads);
            }
        }
    }
}
