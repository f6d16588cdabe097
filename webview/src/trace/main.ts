/**
 * Entry of the BEAM Trace webview (bundled to dist/trace.js, its stylesheet
 * to dist/trace.css). The host's HTML (extension/src/views/traceHtml.ts) is
 * a bare page with a strict CSP; everything visible is built here from the
 * host's messages.
 */
import '../../media/trace.css';
import { TraceApp } from './app';
import { TraceBridge } from './bridge';

const bridge = new TraceBridge();
const app = new TraceApp(document.getElementById('app') ?? document.body, (message) => bridge.post(message));
bridge.onMessage((message) => app.handle(message));
bridge.post({ type: 'ready' });
