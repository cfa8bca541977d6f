// Two namespaces that refer to each other, for NamespaceCycleTests to find. Nothing else uses them.
namespace Tokenkeeper.Tests.Architecture.CycleFixture.A
{
    internal static class Upstream
    {
        public static int Touch() => B.Downstream.Value + 1;
    }
}

namespace Tokenkeeper.Tests.Architecture.CycleFixture.B
{
    internal static class Downstream
    {
        public static int Value => 1;

        public static Type Back() => typeof(A.Upstream);
    }
}
