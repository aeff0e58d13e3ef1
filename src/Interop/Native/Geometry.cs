using System.Runtime.InteropServices;

namespace HdrOfx.Interop.Native;

// Value types of ofxCore.h. OfxTime is a C double.

[StructLayout(LayoutKind.Sequential)]
public record struct OfxPointI(int X, int Y);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxPointD(double X, double Y);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRangeI(int Min, int Max);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRangeD(double Min, double Max);

/// <summary>Integer rectangle: x1,y1 inclusive, x2,y2 exclusive (pixel coordinates).</summary>
[StructLayout(LayoutKind.Sequential)]
public record struct OfxRectI(int X1, int Y1, int X2, int Y2)
{
    public readonly int Width => X2 - X1;
    public readonly int Height => Y2 - Y1;
    public readonly bool IsEmpty => X2 <= X1 || Y2 <= Y1;

    public readonly OfxRectI Intersect(OfxRectI o)
    {
        var r = new OfxRectI(Math.Max(X1, o.X1), Math.Max(Y1, o.Y1), Math.Min(X2, o.X2), Math.Min(Y2, o.Y2));
        return r.IsEmpty ? default : r;
    }

    public readonly bool Contains(OfxRectI o) => o.X1 >= X1 && o.Y1 >= Y1 && o.X2 <= X2 && o.Y2 <= Y2;
}

/// <summary>Double rectangle in canonical coordinates.</summary>
[StructLayout(LayoutKind.Sequential)]
public record struct OfxRectD(double X1, double Y1, double X2, double Y2);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBAColourB(byte R, byte G, byte B, byte A);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBAColourS(ushort R, ushort G, ushort B, ushort A);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBAColourF(float R, float G, float B, float A);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBAColourD(double R, double G, double B, double A);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBColourB(byte R, byte G, byte B);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBColourS(ushort R, ushort G, ushort B);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBColourF(float R, float G, float B);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxRGBColourD(double R, double G, double B);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxYUVAColourB(byte Y, byte U, byte V, byte A);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxYUVAColourS(ushort Y, ushort U, ushort V, ushort A);

[StructLayout(LayoutKind.Sequential)]
public record struct OfxYUVAColourF(float Y, float U, float V, float A);
