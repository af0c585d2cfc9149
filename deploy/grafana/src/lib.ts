// Builders shared by the Plexus dashboards: every object they return is typed with
// @grafana/schema, so `tsc` rejects a wrong field name or type before any JSON is written.
// Panels are laid out left to right in rows of the 24-column grid; queries use the data
// source variable ${datasource} and the labels that deploy/prometheus/prometheus.yml and the
// Helm chart's ServiceMonitor give every series (job="plexus", component="<service>").
import type { Dashboard, DataSourceRef, FieldConfigSource, Panel, RowPanel, VariableModel } from "@grafana/schema";
import type { Options as StatOptions } from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type { Options as TimeSeriesOptions } from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

// Grafana's string enums as their string values: dashboard JSON holds plain strings.
export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends Array<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

export type PlexusDashboard = Json<Dashboard>;
type JPanel = Json<Panel>;
type JRow = Json<RowPanel>;

const datasource: Json<DataSourceRef> = { type: "prometheus", uid: "${datasource}" };

// A Prometheus query of a panel (Panel.targets is untyped in the schema).
// (A type alias, not an interface, so that it fits Record<string, unknown>.)
type PromQuery = {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: Json<DataSourceRef>;
};

export interface Series {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  series: Series[];
  unit?: string;
  kind?: "timeseries" | "stat";
  width?: number;  // grid columns (of 24); default 8
  stacked?: boolean;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

const kHeight = 8;

function queries(series: Series[]): PromQuery[] {
  return series.map((s, i) => ({
    refId: String.fromCharCode(65 + i),
    expr: s.expr,
    legendFormat: s.legend,
    datasource,
  }));
}

function fieldConfig(unit: string, stacked: boolean): Json<FieldConfigSource> {
  return {
    defaults: {
      unit,
      color: { mode: "palette-classic" },
      custom: stacked ? { stacking: { mode: "normal", group: "A" }, fillOpacity: 20 } : { fillOpacity: 5 },
      thresholds: { mode: "absolute", steps: [{ color: "green", value: null }] },
    },
    overrides: [],
  };
}

const timeSeriesOptions: Json<TimeSeriesOptions> = {
  legend: { displayMode: "list", placement: "bottom", showLegend: true, calcs: [] },
  tooltip: { mode: "multi", sort: "desc" },
};

const statOptions: Json<StatOptions> = {
  reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
  orientation: "auto",
  colorMode: "value",
  graphMode: "area",
  justifyMode: "auto",
  textMode: "auto",
  percentChangeColorMode: "standard",
  showPercentChange: false,
  wideLayout: true,
};

function panel(spec: PanelSpec, id: number, x: number, y: number): JPanel {
  const kind = spec.kind ?? "timeseries";
  return {
    id,
    type: kind,
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos: { h: kind === "stat" ? 4 : kHeight, w: spec.width ?? 8, x, y },
    fieldConfig: fieldConfig(spec.unit ?? "short", spec.stacked ?? false),
    options: kind === "stat" ? statOptions : timeSeriesOptions,
    targets: queries(spec.series),
  };
}

// Places the rows one under the other; panels wrap to a new line when the row is full.
function layout(rows: RowSpec[]): Array<JPanel | JRow> {
  const out: Array<JPanel | JRow> = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push({ id: id++, type: "row", title: row.title, collapsed: false, panels: [], gridPos: { h: 1, w: 24, x: 0, y } });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const spec of row.panels) {
      const p = panel(spec, id++, 0, 0);
      const w = p.gridPos!.w;
      if (x + w > 24) {
        x = 0;
        y += lineHeight;
        lineHeight = 0;
      }
      p.gridPos = { ...p.gridPos!, x, y };
      lineHeight = Math.max(lineHeight, p.gridPos.h);
      x += w;
      out.push(p);
    }
    y += lineHeight;
  }
  return out;
}

const variables: Array<Json<VariableModel>> = [
  { type: "datasource", name: "datasource", label: "Data source", query: "prometheus" },
  {
    type: "query",
    name: "component",
    label: "Service",
    datasource,
    query: 'label_values(up{job="plexus"}, component)',
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { text: ["All"], value: ["$__all"] },
  },
];

export function dashboard(uid: string, title: string, description: string, rows: RowSpec[]): PlexusDashboard {
  return {
    uid,
    title,
    description,
    tags: ["plexus"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    templating: { list: variables },
    annotations: { list: [] },
    links: [],
    panels: layout(rows),
  };
}

// PromQL snippets: the selector of the chosen services, and rates and quantiles over it.
export const sel = 'job="plexus", component=~"$component"';
export const rate = (metric: string, extra = "", by = "component") =>
  `sum by (${by}) (rate(${metric}{${sel}${extra ? `, ${extra}` : ""}}[$__rate_interval]))`;
export const quantile = (q: number, histogram: string, by = "component", extra = "") =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${histogram}_bucket{${sel}${extra ? `, ${extra}` : ""}}[$__rate_interval])))`;
