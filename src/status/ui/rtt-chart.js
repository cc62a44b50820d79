/**
 * One member's RTT over time: a small uPlot chart, created once and fed new
 * data on every render (uPlot draws on a canvas and sets its labels as text).
 */
import htm from './vendor/htm.mjs';
import { Component, createRef, h } from './vendor/preact.mjs';
import uPlot from './vendor/uplot.mjs';

const html = htm.bind(h);

const WIDTH_PX = 300;
const HEIGHT_PX = 120;

function chartData(series) {
  return [series.ts.map((ts) => ts / 1000), series.ms];
}

export class RttChart extends Component {
  box = createRef();
  plot = undefined;

  componentDidMount() {
    const { id, series, colour } = this.props;
    this.plot = new uPlot(
      {
        width: WIDTH_PX,
        height: HEIGHT_PX,
        legend: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
        axes: [{ size: 28 }, { size: 64, values: (_u, ticks) => ticks.map((v) => `${v} ms`) }],
        series: [{}, { label: id, stroke: colour, width: 1.5, spanGaps: false }],
      },
      chartData(series),
      this.box.current,
    );
  }

  componentDidUpdate() {
    this.plot?.setData(chartData(this.props.series));
  }

  componentWillUnmount() {
    this.plot?.destroy();
    this.plot = undefined;
  }

  shouldComponentUpdate(next) {
    return next.series !== this.props.series;
  }

  render() {
    return html`
      <figure class="chart" data-id=${this.props.id}>
        <figcaption>${this.props.id}</figcaption>
        <div ref=${this.box}></div>
      </figure>`;
  }
}
