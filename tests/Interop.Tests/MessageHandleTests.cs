using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;
using NUnit.Framework;

namespace HdrOfx.Interop.Tests;

/// <summary>Which handle an error message may name: hosts built on HostSupport cast it to an instance.</summary>
[TestFixture]
public class MessageHandleTests
{
    [TestCase(OfxActions.Load, false)]
    [TestCase(OfxActions.Describe, false)]
    [TestCase(OfxActions.DescribeInContext, false)]
    [TestCase(OfxActions.Unload, false)]
    [TestCase(OfxActions.CreateInstance, true)]
    [TestCase(OfxActions.Render, true)]
    [TestCase(OfxActions.InstanceChanged, true)]
    [TestCase(OfxActions.GetClipPreferences, true)]
    public void Only_instance_actions_name_their_handle_descriptor_actions_report_with_NULL(string action, bool onInstance) =>
        Assert.That(OfxPluginRegistry.MessageHandle(action, 0x1234), Is.EqualTo(onInstance ? (nint)0x1234 : 0));
}
