/**
 * ECharts, loaded from its core with only the charts and components the console draws (bar, line,
 * pie; grid, tooltip, legend), rendered to SVG: crisp in screenshots, and selectable text.
 */
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, AriaComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** Severity colours shared by charts and badges (severity.ts; styles.css has the same values). */
export { SEVERITY_COLORS } from '../severity.ts';

/**
 * A chart; `label` is its accessible name (and ECharts' generated description is on). With
 * `onItemClick` its items are links (ECharts reports the clicked item's name and data); charts are
 * not keyboard-reachable, so callers put the same links next to the chart as well.
 */
export function Chart({ option, height = 260, label, onItemClick }: { option: ChartOption; height?: number; label: string; onItemClick?: (name: string, data: unknown) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const onClick = useRef(onItemClick);
  onClick.current = onItemClick;
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'svg' });
    chart.current = c;
    c.on('click', (p) => onClick.current?.(p.name, p.data));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...option }, true);
  }, [option]);
  return <div ref={el} className="chart" style={{ height }} role="img" aria-label={label} />;
}
