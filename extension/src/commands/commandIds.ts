/**
 * Every command id the extension registers, in one place. Those in
 * `contributed` are package.json's contributes.commands (a unit test checks
 * both lists agree); `internal` ones are invoked by tree items and links only.
 */
export const Commands = {
  connect: 'beamObserver.connect',
  attachToNode: 'beamObserver.attachToNode',
  disconnect: 'beamObserver.disconnect',
  selectNode: 'beamObserver.selectNode',
  openClusterOverview: 'beamObserver.openClusterOverview',
  loadAgentAgain: 'beamObserver.loadAgentAgain',
  inspectState: 'beamObserver.inspectState',
  refreshState: 'beamObserver.refreshState',
  compareState: 'beamObserver.compareState',
  peekMessages: 'beamObserver.peekMessages',
  copyPid: 'beamObserver.copyPid',
  goToCurrentFunction: 'beamObserver.goToCurrentFunction',
  revealProcess: 'beamObserver.revealProcess',
  sortBy: 'beamObserver.sortBy',
  sortByReductions: 'beamObserver.sortByReductions',
  sortByMemory: 'beamObserver.sortByMemory',
  sortByMessageQueue: 'beamObserver.sortByMessageQueue',
  filter: 'beamObserver.filter',
  clearFilter: 'beamObserver.clearFilter',
  refresh: 'beamObserver.refresh',
  pause: 'beamObserver.pause',
  resume: 'beamObserver.resume',
  openLoadCharts: 'beamObserver.openLoadCharts',
  showLog: 'beamObserver.showLog',
  // The rest of the node (issue 12).
  refreshSupervision: 'beamObserver.refreshSupervision',
  revealInSupervisionTree: 'beamObserver.revealInSupervisionTree',
  garbageCollect: 'beamObserver.garbageCollect',
  killProcess: 'beamObserver.killProcess',
  refreshEts: 'beamObserver.refreshEts',
  sortEtsBy: 'beamObserver.sortEtsBy',
  filterEts: 'beamObserver.filterEts',
  clearEtsFilter: 'beamObserver.clearEtsFilter',
  showTableContents: 'beamObserver.showTableContents',
  loadMoreRows: 'beamObserver.loadMoreRows',
  refreshPorts: 'beamObserver.refreshPorts',
  sortPortsBy: 'beamObserver.sortPortsBy',
  refreshSystem: 'beamObserver.refreshSystem',
  // Tracing (extension/src/trace).
  traceFunction: 'beamObserver.traceFunction',
  countCalls: 'beamObserver.countCalls',
  stopCounting: 'beamObserver.stopCounting',
  stopAllTraces: 'beamObserver.stopAllTraces',
  traceMessages: 'beamObserver.traceMessages',
  // issue 14: rewind and recordings
  backToLive: 'beamObserver.backToLive',
  saveRecording: 'beamObserver.saveRecording',
  openRecording: 'beamObserver.openRecording',
} as const;

/** Commands not in the palette or menus: a stack frame's "open source". */
export const InternalCommands = {
  openFrame: 'beamObserver.openFrame',
  /** A supervisor's "N more…" row: its next page of children. */
  moreChildren: 'beamObserver.moreChildren',
} as const;

/** Views and other contributed ids the code refers to. */
export const Views = {
  processes: 'beamObserver.processes',
  loadCharts: 'beamObserver.loadCharts',
  // The rest of the node (issue 12), in BEAM Observer's own view container.
  supervision: 'beamObserver.supervision',
  etsTables: 'beamObserver.etsTables',
  ports: 'beamObserver.ports',
  system: 'beamObserver.system',
} as const;

/** BEAM Observer's view container in the activity bar (the rest of the node, issue 12). */
export const ViewContainers = {
  observer: 'beamObserver',
} as const;
