namespace Resorcerer.Profiler.Dashboard;

/// <summary>
/// The dashboard's one stylesheet, served by the profiler at <c>/dashboard.css</c> and written into the mailed HTML
/// report, so that the plots look the same in both. System fonts only: nothing is fetched from elsewhere.
/// </summary>
public static class DashboardStyle
{
    public const string Path = "/dashboard.css";

    public const string Css = """
        :root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--waste:#8a5a00;--risk:#b00020;--ok:#1b5e20;--link:#0b57d0;--focus:#ffbf47}
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);background:#fff}
        a{color:var(--link)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
        .skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:1}
        header.top{display:flex;gap:24px;align-items:baseline;padding:10px 24px;border-bottom:1px solid var(--line);background:#f6f8fa}
        header.top .brand{font-weight:700;font-size:16px;color:var(--ink);text-decoration:none}
        main{padding:16px 24px;max-width:1400px}
        h1{font-size:20px;margin:8px 0 12px}h2{font-size:16px;margin:24px 0 8px}h3{font-size:14px;margin:16px 0 6px}
        .summary{color:var(--muted);margin:4px 0 12px}
        nav.namespaces ul{list-style:none;padding:0;margin:0 0 12px;display:flex;flex-wrap:wrap;gap:6px}
        nav.namespaces a{display:inline-block;padding:2px 10px;border:1px solid var(--line);border-radius:12px;text-decoration:none}
        nav.namespaces a[aria-current]{background:var(--ink);color:#fff;border-color:var(--ink)}
        form.filter{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin:8px 0 12px}
        form.filter label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
        form.filter input,form.filter select,form.filter button{font:inherit;padding:4px 8px}
        table{border-collapse:collapse;width:100%}
        caption{text-align:left;color:var(--muted);padding:4px 0}
        th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;white-space:nowrap}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        th a{color:inherit;text-decoration:none}th a:hover{text-decoration:underline}
        th[aria-sort=ascending] a::after{content:" \25B2"/""}th[aria-sort=descending] a::after{content:" \25BC"/""}
        tbody tr:hover{background:#f6f8fa}
        .waste{color:var(--waste)}.risk{color:var(--risk);font-weight:600}.ok{color:var(--ok)}.unset{color:var(--muted)}
        nav.pages{display:flex;gap:16px;margin:12px 0}
        .problem{border-left:4px solid var(--risk);background:#fff5f5;padding:8px 12px;margin:8px 0}
        .note{color:var(--muted)}td.wrap{white-space:normal;min-width:24em}
        dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
        .plots{display:flex;flex-wrap:wrap;gap:16px}
        ul.hindsight{margin:6px 0;padding-left:20px;color:var(--muted)}
        svg.plot{max-width:100%;height:auto;font:11px system-ui,sans-serif}
        svg text{fill:var(--ink)}svg .tick{fill:var(--muted)}
        svg .series{stroke-width:1.6;fill:none}
        svg .series.max{stroke:#b0bec5}svg .series.p95{stroke:#546e7a}svg .series.p50{stroke:#1565c0}
        svg .level{stroke-width:2}
        svg .level.request{stroke:#e65100;stroke-dasharray:6 4}svg .level.limit{stroke:#6a1b9a;stroke-dasharray:2 3}
        svg .level.recommended{stroke:#2e7d32}
        svg .level.lower,svg .level.upper{stroke:#2e7d32;stroke-dasharray:1 4;stroke-width:1.5}
        svg.graph .node rect{fill:#f6f8fa;stroke:#57606a}svg.graph .node.self rect{fill:#e3f2fd;stroke:#1565c0;stroke-width:2}
        svg.graph .edge{stroke:#90a4ae;fill:none}svg.graph a:focus rect{stroke:var(--focus);stroke-width:3}
        @media (max-width:900px){main{padding:12px}th,td{padding:3px 5px}}
        """;
}
