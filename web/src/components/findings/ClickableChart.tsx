/**
 * A Chart whose items are links: ECharts reports the clicked item (its name and data) through the
 * instance's own event, so this wraps the shared Chart and listens on its instance. Charts are not
 * keyboard-reachable; callers put the same links next to the chart as well.
 */
import { getInstanceByDom } from 'echarts/core';
import { useEffect, useRef } from 'react';
import { Chart, type ChartOption } from '../Chart.tsx';

export function ClickableChart({ onItemClick, ...props }: { option: ChartOption; label: string; height?: number; onItemClick: (name: string, data: unknown) => void }) {
  const wrap = useRef<HTMLDivElement>(null);
  const handler = useRef(onItemClick);
  handler.current = onItemClick;
  useEffect(() => {
    const el = wrap.current?.firstElementChild as HTMLElement | null;
    const chart = el ? getInstanceByDom(el) : undefined;
    if (!chart) return;
    const on = (p: { name: string; data: unknown }) => handler.current(p.name, p.data);
    chart.on('click', on);
    return () => {
      if (!chart.isDisposed()) chart.off('click', on);
    };
  }, []);
  return <div ref={wrap}><Chart {...props} /></div>;
}
