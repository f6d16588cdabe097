/** The charts, in page order. DOM-free, so the Node-side tests can name them too. */
export type ChartId = 'utilisation' | 'runQueue' | 'memory' | 'io' | 'reductions' | 'processes';
