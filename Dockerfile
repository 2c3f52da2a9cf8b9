# syntax=docker/dockerfile:1
# One file, one target per program:
#   docker build --target webhook  -t resorcerer/webhook:0.1.0 .
#   docker build --target profiler -t resorcerer/profiler:0.1.0 .
#   docker build --target updater  -t resorcerer/updater:0.1.0 .
# The base images are the official .NET SDK and ASP.NET runtime images: pass --build-arg DOTNET_REGISTRY=<host>/
# with the registry (or mirror) that serves them.
ARG DOTNET_REGISTRY=""

FROM ${DOTNET_REGISTRY}dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY scripts/publish.sh scripts/
COPY src/ src/
# The same command the tests run (scripts/publish.sh), so what CI checks is what the images hold.
RUN scripts/publish.sh /out

# Chiseled runtime: no shell, no package manager, a non-root user (uid 1654).
FROM ${DOTNET_REGISTRY}dotnet/aspnet:10.0-noble-chiseled AS webhook
WORKDIR /app
COPY --from=build /out/webhook/ ./
# The webhook's GC settings are in its own runtime configuration (src/Webhook's project file), not here.
USER 1654
EXPOSE 8443
ENTRYPOINT ["dotnet", "resorcerer-webhook.dll"]

FROM ${DOTNET_REGISTRY}dotnet/aspnet:10.0-noble-chiseled AS profiler
WORKDIR /app
COPY --from=build /out/profiler/ ./
USER 1654
EXPOSE 8080
ENTRYPOINT ["dotnet", "resorcerer-profiler.dll"]

FROM ${DOTNET_REGISTRY}dotnet/aspnet:10.0-noble-chiseled AS updater
WORKDIR /app
COPY --from=build /out/updater/ ./
USER 1654
EXPOSE 8080
ENTRYPOINT ["dotnet", "resorcerer-updater.dll"]
