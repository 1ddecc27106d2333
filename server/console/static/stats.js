// The statistics page: draws the charts with Apache ECharts (served by
// govhall from the npm package, see the Makefile's webdeps) from the data
// the page carries; the tables below them hold the same figures, so the
// page works without the charts.
const box = document.getElementById('charts');
const status = document.getElementById('charts-status');

async function loadECharts() {
  if (globalThis.echarts) return globalThis.echarts;
  await import(new URL('vendor/echarts.min.js', import.meta.url).href);
  return globalThis.echarts;
}

const ink = '#15191f';
const grid = { left: 48, right: 48, top: 36, bottom: 40 };
const text = { color: ink, fontFamily: 'Noto Sans CJK SC, sans-serif' };

function draw(echarts, id, option) {
  const el = document.getElementById(id);
  if (!el) return null;
  const chart = echarts.init(el, null, { renderer: 'svg' });
  chart.setOption({ textStyle: text, animation: false, grid, tooltip: { trigger: 'axis' }, ...option });
  return chart;
}

async function main() {
  if (!box) return;
  const data = JSON.parse(box.dataset.charts || '{}');
  let echarts;
  try {
    echarts = await loadECharts();
  } catch (e) {
    status.textContent = '图表组件未安装（make webdeps），请看下方表格。';
    return;
  }
  const charts = [
    draw(echarts, 'chart-hourly', {
      legend: { data: ['日均进入队列', '日均在岗话务员'], textStyle: text },
      xAxis: { type: 'category', data: data.hours || [], name: '时' },
      yAxis: [{ type: 'value', name: '来电' }, { type: 'value', name: '人' }],
      series: [
        { name: '日均进入队列', type: 'bar', data: data.offered || [], itemStyle: { color: '#0b4a8f' } },
        { name: '日均在岗话务员', type: 'line', yAxisIndex: 1, data: data.staffed || [], itemStyle: { color: '#7a4a00' }, lineStyle: { type: 'dashed' } },
      ],
    }),
    draw(echarts, 'chart-weekly', {
      legend: { data: ['来电量', '话务接通率', '15秒接通率'], textStyle: text },
      xAxis: { type: 'category', data: data.weeks || [] },
      yAxis: [{ type: 'value', name: '来电' }, { type: 'value', name: '%', max: 100 }],
      series: [
        { name: '来电量', type: 'bar', data: data.week_calls || [], itemStyle: { color: '#0b4a8f' } },
        { name: '话务接通率', type: 'line', yAxisIndex: 1, data: data.week_rate || [], itemStyle: { color: '#0f6a32' } },
        { name: '15秒接通率', type: 'line', yAxisIndex: 1, data: data.week_rate15 || [], itemStyle: { color: '#a11b1b' }, lineStyle: { type: 'dashed' } },
      ],
    }),
    draw(echarts, 'chart-league', {
      grid: { ...grid, left: 150 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', max: 100, name: '%' },
      yAxis: { type: 'category', inverse: true, data: data.league || [] },
      series: [{ name: '响应性', type: 'bar', data: data.league_rate || [], itemStyle: { color: '#0b4a8f' }, label: { show: true, position: 'right', formatter: '{c}%' } }],
    }),
  ].filter(Boolean);
  box.dataset.drawn = String(charts.length);
  addEventListener('resize', () => charts.forEach((c) => c.resize()));
}

main();
