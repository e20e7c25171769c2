import uPlot from "uplot";
import { h } from "./dom.ts";

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";

export interface ChartHandle {
  figure: HTMLElement;
  set(xs: number[], ys: (number | null)[]): void;
  destroy(): void;
}

interface ChartSpec {
  /** Shown as the caption and as the accessible name of the chart. */
  label: string;
  id: string;
  yLabel: string;
  kind: "line" | "bars";
  /** Category names for bars (x is the index). */
  categories?: string[];
  format?: (v: number) => string;
  /** Whole numbers only on the y axis (counts). */
  integer?: boolean;
}

const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000];

/** The axes: time or categories along x, the labelled value axis along y; colours from the theme. */
function axesOf(spec: ChartSpec, cats: string[]): uPlot.Axis[] {
  const axis = {
    stroke: css("--muted"),
    grid: { stroke: css("--grid"), width: 1 },
    ticks: { stroke: css("--grid") },
  };
  return [
    spec.kind === "bars"
      ? { ...axis, splits: () => cats.map((_, i) => i), values: (_u, s) => s.map((i) => cats[i] ?? "") }
      : axis,
    {
      ...axis,
      ...(spec.integer ? { incrs: INTEGER_STEPS } : {}),
      label: spec.yLabel,
      size: 60,
      values: (_u, s) => s.map((v) => (spec.format ? spec.format(v) : String(v))),
    },
  ];
}

/** The one data series: bars or a filled line in the accent colour. */
function seriesOf(spec: ChartSpec): uPlot.Series {
  return spec.kind === "bars"
    ? {
        label: spec.yLabel,
        fill: css("--accent"),
        stroke: css("--accent"),
        paths: uPlot.paths.bars?.({ size: [0.6, 80] }),
        points: { show: false },
      }
    : {
        label: spec.yLabel,
        stroke: css("--accent"),
        width: 2,
        fill: css("--accent-soft"),
        points: { show: false },
      };
}

/** uPlot's options for a chart of `width` pixels. */
function optionsOf(spec: ChartSpec, width: number): uPlot.Options {
  const cats = spec.categories ?? [];
  return {
    width,
    height: 220,
    legend: { show: false },
    cursor: { show: spec.kind === "line", drag: { x: false, y: false } },
    scales: {
      x: spec.kind === "bars" ? { time: false, range: () => [-0.5, Math.max(1, cats.length) - 0.5] } : { time: true },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: axesOf(spec, cats),
    series: [{}, seriesOf(spec)],
  };
}

/**
 * A labelled uPlot chart in a <figure>: the caption names it for everyone, `role="img"` with
 * the same label for screen readers. Redrawn on resize; colours follow the theme.
 */
export function chart(spec: ChartSpec): ChartHandle {
  const host = h("div", { class: "chart-area" });
  const figure = h(
    "figure",
    { class: "chart", id: spec.id, role: "img", "aria-label": spec.label },
    h("figcaption", {}, spec.label),
    host,
  );
  let plot: uPlot | undefined;
  let data: uPlot.AlignedData = [[], []];
  const make = () => {
    plot?.destroy();
    const width = Math.max(260, host.clientWidth || figure.clientWidth || 600);
    plot = new uPlot(optionsOf(spec, width), data, host);
  };
  const observer = new ResizeObserver(() => {
    if (plot && Math.abs(plot.width - host.clientWidth) > 4) make();
  });
  requestAnimationFrame(() => {
    make();
    observer.observe(host);
  });
  return {
    figure,
    set(xs, ys) {
      data = [xs, ys];
      plot?.setData(data);
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
    },
  };
}
