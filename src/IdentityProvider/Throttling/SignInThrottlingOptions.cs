using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>
/// Throttling of <c>POST /account/login</c> and <c>POST /connect/token</c> (configuration section
/// <c>IdentityProvider:SignInThrottling</c>). Counts are kept per replica, in memory. Nothing here locks an account: an
/// attacker's failures slow down the attacker's address, not the person whose account they try.
/// </summary>
public sealed class SignInThrottlingOptions
{
    public const string SectionName = "IdentityProvider:SignInThrottling";

    /// <summary>Sign-in attempts (any account) one client address may make per minute.</summary>
    [Range(1, 100_000)]
    public int LoginPermitsPerMinutePerAddress { get; set; } = 30;

    /// <summary>Sign-in attempts for one account from one client address per minute.</summary>
    [Range(1, 100_000)]
    public int LoginPermitsPerMinutePerAccount { get; set; } = 10;

    /// <summary>Token requests (any client) one client address may make per minute.</summary>
    [Range(1, 1_000_000)]
    public int TokenPermitsPerMinutePerAddress { get; set; } = 300;

    /// <summary>Token requests for one client id from one client address per minute.</summary>
    [Range(1, 1_000_000)]
    public int TokenPermitsPerMinutePerClient { get; set; } = 60;

    /// <summary>Failed sign-ins and client authentications an address may make before each further one makes it wait.</summary>
    [Range(0, 10_000)]
    public int FreeFailuresPerAddress { get; set; } = 10;

    /// <summary>The longest wait an address is given; the wait doubles with each failure past the free ones, from one second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an address's failures are remembered after its last one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "30.00:00:00")]
    public TimeSpan FailureMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most addresses whose failures are remembered at once (bounds the memory an attacker can fill).</summary>
    [Range(100, 10_000_000)]
    public int MaxTrackedAddresses { get; set; } = 100_000;
}
