/**
 * Entry of the load-charts webview (bundled to dist/webview.js). The host's
 * HTML is a bare page with a strict CSP; everything visible is built here
 * from the host's messages (extension/src/protocol/webviewProtocol.ts).
 */
import '../media/charts.css';
import { LoadChartsApp } from './app';
import { HostBridge } from './hostBridge';
import { installTestHook } from './testHook';

const bridge = new HostBridge();
const app = new LoadChartsApp(document.getElementById('app') ?? document.body, bridge);
bridge.onMessage((message) => app.handle(message));

if (!bridge.inVsCode) {
  installTestHook({
    snapshot: () => app.snapshot(),
    frameTimes: () => app.recentFrameTimes(),
    sentToHost: () => [...bridge.undelivered],
    clientXOf: (chart, t) => app.clientXOf(chart, t),
  });
}

bridge.post({ type: 'ready' });
