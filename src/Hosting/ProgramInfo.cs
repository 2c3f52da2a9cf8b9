using Resorcerer.Configuration;

namespace Resorcerer.Hosting;

/// <summary>A program as its users meet it: the name its messages start with, its options, its help, where it listens by default.</summary>
public sealed record ProgramInfo(string Name, string Usage, string Description, IReadOnlyList<CliOption> Options, string Footer, string DefaultUrls);
