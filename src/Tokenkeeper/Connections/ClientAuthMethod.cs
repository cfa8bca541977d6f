namespace Tokenkeeper.Connections;

/// <summary>How the client authenticates to the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2).</summary>
public enum ClientAuthMethod
{
    /// <summary>HTTP Basic with the form-urlencoded client id and secret (<c>client_secret_basic</c>).</summary>
    ClientSecretBasic,

    /// <summary><c>client_id</c> and <c>client_secret</c> in the form body (<c>client_secret_post</c>).</summary>
    ClientSecretPost,

    /// <summary>A JWT signed with the client's private key (<c>private_key_jwt</c>, RFC 7523).</summary>
    PrivateKeyJwt,

    /// <summary>A public client: only <c>client_id</c> in the body.</summary>
    None,
}
