using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

internal interface IBinaryKernel
{
    float Invoke(float a, float b);
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);
}

internal struct AddOp : IBinaryKernel
{
    public float Invoke(float a, float b) => a + b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a + b;
}

internal struct SubOp : IBinaryKernel
{
    public float Invoke(float a, float b) => a - b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a - b;
}

internal struct MulOp : IBinaryKernel
{
    public float Invoke(float a, float b) => a * b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a * b;
}

internal struct DivOp : IBinaryKernel
{
    public float Invoke(float a, float b) => a / b;
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a / b;
}

internal struct MaxOp : IBinaryKernel
{
    public float Invoke(float a, float b) => MathF.Max(a, b);
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
}

internal struct MinOp : IBinaryKernel
{
    public float Invoke(float a, float b) => MathF.Min(a, b);
    public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
}
