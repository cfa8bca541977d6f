using Tokenkeeper.Connections;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Storage;

/// <summary>Re-registering an unchanged connection is a no-op and a changed one is a reconfiguration: <see cref="ConnectionRegistration.SameAs"/>
/// must see every field.</summary>
public sealed class ConnectionRegistrationTests
{
    private static readonly ConnectionRegistration Base = StoreSamples.Record("crm").Registration with
    {
        ExtraParameters = new Dictionary<string, string> { ["tenant"] = "t1", ["region"] = "eu" },
    };

    [Fact]
    public void A_copy_with_the_same_values_and_extra_parameters_in_another_order_is_the_same()
    {
        var copy = Base with
        {
            TokenEndpoint = new Uri(Base.TokenEndpoint.ToString()),
            ClientSecret = new ClientSecret(Base.ClientSecret!.Value.Value),
            ExtraParameters = new Dictionary<string, string> { ["region"] = "eu", ["tenant"] = "t1" },
        };

        Assert.True(Base.SameAs(copy));
        Assert.True(copy.SameAs(Base));
    }

    [Theory]
    [InlineData("token_endpoint")]
    [InlineData("client_secret")]
    [InlineData("scope")]
    [InlineData("rotation")]
    [InlineData("rotation_grace")]
    [InlineData("introspection_endpoint")]
    [InlineData("allow_insecure_http")]
    [InlineData("extra_parameter_value")]
    [InlineData("extra_parameter_missing")]
    public void A_change_in_any_field_is_a_different_registration(string field)
    {
        var changed = field switch
        {
            "token_endpoint" => Base with { TokenEndpoint = new Uri("https://elsewhere.example/token") },
            "client_secret" => Base with { ClientSecret = new ClientSecret("rotated-secret") },
            "scope" => Base with { Scope = "contacts:read" },
            "rotation" => Base with { Rotation = RefreshTokenRotation.ReuseDetection },
            "rotation_grace" => Base with { RotationGrace = TimeSpan.FromSeconds(5) },
            "introspection_endpoint" => Base with { IntrospectionEndpoint = new Uri("https://identity.example/introspect") },
            "allow_insecure_http" => Base with { AllowInsecureHttp = !Base.AllowInsecureHttp },
            "extra_parameter_value" => Base with { ExtraParameters = new Dictionary<string, string> { ["tenant"] = "t2", ["region"] = "eu" } },
            "extra_parameter_missing" => Base with { ExtraParameters = new Dictionary<string, string> { ["tenant"] = "t1" } },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.False(Base.SameAs(changed));
        Assert.False(changed.SameAs(Base));
    }

    [Fact]
    public void Nothing_is_the_same_as_null()
    {
        Assert.False(Base.SameAs(null));
    }
}
