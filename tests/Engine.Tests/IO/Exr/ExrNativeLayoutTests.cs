using System.Runtime.InteropServices;
using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// Sizes and offsets of the mirrored OpenEXRCore 3.1 structs, as gcc reports them for
/// /usr/include/OpenEXR (sizeof/offsetof on x86-64 Linux). A mismatch means memory corruption.
/// </summary>
public unsafe class ExrNativeLayoutTests
{
    [Test]
    public void StructSizes()
    {
        Assert.That(sizeof(ExrNative.ContextInitializer), Is.EqualTo(104));
        Assert.That(sizeof(ExrNative.ChunkInfo), Is.EqualTo(64));
        Assert.That(sizeof(ExrNative.CodingChannelInfo), Is.EqualTo(48));
        Assert.That(sizeof(ExrNative.DecodePipeline), Is.EqualTo(480));
        Assert.That(sizeof(ExrNative.EncodePipeline), Is.EqualTo(504));
        Assert.That(sizeof(ExrNative.ChlistEntry), Is.EqualTo(32));
        Assert.That(sizeof(ExrNative.Chlist), Is.EqualTo(16));
        Assert.That(sizeof(ExrNative.Box2i), Is.EqualTo(16));
        Assert.That(sizeof(ExrNative.Chromaticities), Is.EqualTo(32));
    }

    [Test]
    public void FieldOffsets()
    {
        Assert.That(Off<ExrNative.ContextInitializer>("max_image_width"), Is.EqualTo(72));
        Assert.That(Off<ExrNative.ContextInitializer>("dwa_quality"), Is.EqualTo(92));
        Assert.That(Off<ExrNative.ContextInitializer>("flags"), Is.EqualTo(96));
        Assert.That(Off<ExrNative.ChunkInfo>("data_offset"), Is.EqualTo(24));
        Assert.That(Off<ExrNative.CodingChannelInfo>("user_pixel_stride"), Is.EqualTo(32));
        Assert.That(Off<ExrNative.CodingChannelInfo>("ptr"), Is.EqualTo(40));
        Assert.That(Off<ExrNative.DecodePipeline>("chunk"), Is.EqualTo(24));
        Assert.That(Off<ExrNative.DecodePipeline>("decoding_user_data"), Is.EqualTo(88));
        Assert.That(Off<ExrNative.DecodePipeline>("unpack_and_convert_fn"), Is.EqualTo(232));
        Assert.That(Off<ExrNative.DecodePipeline>("_quick_chan_store"), Is.EqualTo(240));
        Assert.That(Off<ExrNative.EncodePipeline>("encoding_user_data"), Is.EqualTo(88));
        Assert.That(Off<ExrNative.EncodePipeline>("packed_bytes"), Is.EqualTo(104));
        Assert.That(Off<ExrNative.EncodePipeline>("compressed_bytes"), Is.EqualTo(168));
        Assert.That(Off<ExrNative.EncodePipeline>("write_fn"), Is.EqualTo(256));
        Assert.That(Off<ExrNative.EncodePipeline>("_quick_chan_store"), Is.EqualTo(264));
        Assert.That(Off<ExrNative.ChlistEntry>("pixel_type"), Is.EqualTo(16));
        Assert.That(Off<ExrNative.ChlistEntry>("x_sampling"), Is.EqualTo(24));
        Assert.That(Off<ExrNative.Chlist>("entries"), Is.EqualTo(8));
    }

    private static int Off<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
