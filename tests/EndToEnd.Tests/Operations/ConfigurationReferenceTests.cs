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
        var settings = OptionsSettings().ToList();
        Assert.True(settings.Select(s => s.Property.DeclaringType).Distinct().Count() >= 6, string.Join(", ", settings.Select(s => s.Key)));

        var missing = settings.Where(s => !reference.Contains($"`{s.Key}", StringComparison.Ordinal))
            .Select(s => $"{s.Key} ({s.Property.DeclaringType!.Name})").ToList();

        Assert.True(missing.Count == 0, "docs/configuration.md does not name: " + string.Join(", ", missing));
    }

    /// <summary>Every setting of the product's options classes: its configuration key and its property.</summary>
    internal static IEnumerable<(string Key, PropertyInfo Property)> OptionsSettings()
    {
        var assemblies = new[] { typeof(Program).Assembly, typeof(McpSubAgent.IdentityProvider.IdentityProviderOptions).Assembly, typeof(McpSubAgent.Completions.CompletionsOptions).Assembly };
        var optionsTypes = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Name.EndsWith("Options", StringComparison.Ordinal) && t.GetConstructor(Type.EmptyTypes) is not null);
        foreach (var type in optionsTypes)
        {
            var section = type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
                yield return (string.IsNullOrEmpty(section) ? name : $"{section}:{name}", property);
            }
        }
    }
}
