/**
 * Entry of the cluster overview webview (bundled to dist/cluster.js, its
 * stylesheet to dist/cluster.css). The host's HTML
 * (extension/src/views/clusterOverviewHtml.ts) is a bare page with a strict
 * CSP; everything visible is built here from the host's messages.
 */
import '../../media/cluster.css';
import { ClusterApp } from './app';
import { ClusterBridge } from './bridge';

const bridge = new ClusterBridge();
const app = new ClusterApp(document.getElementById('app') ?? document.body, (node) => bridge.post({ type: 'selectNode', node }));
bridge.onMessage((message) => app.render(message));
bridge.post({ type: 'ready' });
