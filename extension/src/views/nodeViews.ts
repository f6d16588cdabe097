/**
 * The views of the rest of the node, in BEAM Observer's own view container
 * in the activity bar (the Run and Debug sidebar keeps the process tree and
 * the load charts, next to the debugger's views): the supervision tree, the
 * ETS tables, the ports and sockets, the system. Each is a TreeView on the
 * node the registry shows; their descriptions say which node and how sorted.
 */
import * as vscode from 'vscode';
import { Views } from '../commands/commandIds';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { EtsNode, EtsTablesProvider } from './etsTables';
import { PortNode, PortsProvider } from './portsView';
import { SupervisionNode, SupervisionTreeProvider } from './supervisionTree';
import { SystemNode, SystemProvider } from './systemView';
import { TableDocuments } from './tableDocuments';

export interface NodeViews extends vscode.Disposable {
  supervision: SupervisionTreeProvider;
  supervisionView: vscode.TreeView<SupervisionNode>;
  ets: EtsTablesProvider;
  etsView: vscode.TreeView<EtsNode>;
  ports: PortsProvider;
  portsView: vscode.TreeView<PortNode>;
  system: SystemProvider;
  tables: TableDocuments;
}

export function createNodeViews(registry: NodeRegistry): NodeViews {
  const supervision = new SupervisionTreeProvider(registry);
  const ets = new EtsTablesProvider(registry);
  const ports = new PortsProvider(registry);
  const system = new SystemProvider(registry);
  const tables = new TableDocuments();
  const supervisionView = vscode.window.createTreeView<SupervisionNode>(Views.supervision, {
    treeDataProvider: supervision,
    showCollapseAll: true,
  });
  const etsView = vscode.window.createTreeView<EtsNode>(Views.etsTables, { treeDataProvider: ets, showCollapseAll: true });
  const portsView = vscode.window.createTreeView<PortNode>(Views.ports, { treeDataProvider: ports, showCollapseAll: true });
  const systemView = vscode.window.createTreeView<SystemNode>(Views.system, { treeDataProvider: system });

  const describe = () => {
    supervisionView.description = registry.target?.name ?? '';
    etsView.description = ets.title;
    portsView.description = ports.title;
    systemView.description = registry.target?.name ?? '';
  };
  describe();
  ets.afterLoad = describe;
  ports.afterLoad = describe;
  system.setVisible(systemView.visible);
  const disposable = vscode.Disposable.from(
    supervision,
    ets,
    ports,
    system,
    tables,
    supervisionView,
    etsView,
    portsView,
    systemView,
    registry.onDidChangeSelection(describe),
    registry.onDidChangeNodes(describe),
    ets.onDidChangeTreeData(describe),
    ports.onDidChangeTreeData(describe),
    systemView.onDidChangeVisibility((e) => system.setVisible(e.visible)),
    // A limit near its end shows on the view and on the activity bar's icon.
    system.onDidChangeWarnings((warnings) => {
      systemView.badge = warnings.length ? { value: warnings.length, tooltip: `Near a limit: ${warnings.join('; ')}` } : undefined;
    }),
    vscode.workspace.registerTextDocumentContentProvider('beam-observer-table', tables),
    vscode.languages.registerCodeLensProvider({ scheme: 'beam-observer-table' }, tables),
  );
  return { supervision, supervisionView, ets, etsView, ports, portsView, system, tables, dispose: () => disposable.dispose() };
}
