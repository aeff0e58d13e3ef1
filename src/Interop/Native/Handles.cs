using System.Runtime.InteropServices;

namespace HdrOfx.Interop.Native;

// Blind handles of ofxCore.h / ofxImageEffect.h / ofxParam.h / ofxMultiThread.h / ofxInteract.h.
// Each is one pointer wide, so a struct of them has the C layout; distinct types stop one handle
// being passed where another is expected.

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxPropertySetHandle(nint Value)
{
    public bool IsNull => Value == 0;
    public static readonly OfxPropertySetHandle Null = default;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxImageEffectHandle(nint Value)
{
    public bool IsNull => Value == 0;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxImageClipHandle(nint Value)
{
    public bool IsNull => Value == 0;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxParamHandle(nint Value)
{
    public bool IsNull => Value == 0;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxParamSetHandle(nint Value)
{
    public bool IsNull => Value == 0;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxImageMemoryHandle(nint Value)
{
    public bool IsNull => Value == 0;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxMutexHandle(nint Value)
{
    public bool IsNull => Value == 0;
}

[StructLayout(LayoutKind.Sequential)]
public readonly record struct OfxInteractHandle(nint Value)
{
    public bool IsNull => Value == 0;
}
