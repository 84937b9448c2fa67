using System.Reflection;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace McpSubAgent.EndToEnd.Tests.Operations;

/// <summary>docs/configuration.md names every setting of every options class of the product.</summary>
public sealed class ConfigurationReferenceTests
{
    [Fact]
    public void Reference_NamesEverySettingOfEveryOptionsClass()
    {
        var reference = File.ReadAllText(SourceTree.Path("docs", "configuration.md"));
        var assemblies = new[] { typeof(Program).Assembly, typeof(McpSubAgent.IdentityProvider.IdentityProviderOptions).Assembly, typeof(McpSubAgent.Completions.CompletionsOptions).Assembly };
        var optionsTypes = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Name.EndsWith("Options", StringComparison.Ordinal) && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();
        Assert.True(optionsTypes.Count >= 6, string.Join(", ", optionsTypes.Select(t => t.Name)));

        var missing = new List<string>();
        foreach (var type in optionsTypes)
        {
            var section = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
                var key = string.IsNullOrEmpty(section) ? name : $"{section}:{name}";
                if (!reference.Contains($"`{key}", StringComparison.Ordinal))
                {
                    missing.Add($"{key} ({type.Name})");
                }
            }
        }

        Assert.True(missing.Count == 0, "docs/configuration.md does not name: " + string.Join(", ", missing));
    }
}
