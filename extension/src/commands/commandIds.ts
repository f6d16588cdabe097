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
  // issue 14: rewind and recordings
  backToLive: 'beamObserver.backToLive',
  saveRecording: 'beamObserver.saveRecording',
  openRecording: 'beamObserver.openRecording',
} as const;

/** Commands not in the palette or menus: a stack frame's "open source". */
export const InternalCommands = {
  openFrame: 'beamObserver.openFrame',
} as const;

/** Views and other contributed ids the code refers to. */
export const Views = {
  processes: 'beamObserver.processes',
  loadCharts: 'beamObserver.loadCharts',
} as const;
