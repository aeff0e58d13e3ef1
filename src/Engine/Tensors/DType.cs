namespace HdrOfx.Engine.Tensors;

/// <summary>Element type of a tensor's storage. Compute is always float32; F16/BF16 exist for weight storage.</summary>
public enum DType : byte
{
    F32 = 0,
    F16 = 1,
    BF16 = 2,
}

public enum DeviceKind : byte
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>Where a tensor's storage lives. Explicit on every tensor; ops require all operands on one device.</summary>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static readonly Device Cpu = new(DeviceKind.Cpu, 0);

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}

public static class DTypeExtensions
{
    public static int SizeInBytes(this DType t) => t == DType.F32 ? 4 : 2;
}
