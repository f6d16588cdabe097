/**
 * The supervision tree as a model reads it: the running applications with
 * their top supervisors, or one supervisor's children a page at a time (each
 * with its id, its pid or why it has none, worker or supervisor, and its
 * restart type), saying how many there are and how to ask for the rest.
 * Pure and unit-tested.
 */
import type { ApplicationsList, SupervisorChild, SupervisorChildren } from '../protocol/agentProtocol';
import { formatName } from '../shared/format';
import { childLabel } from '../shared/nodeFormat';
import { boundedLines, grouped, plural } from './toolText';

export function applicationsText(list: ApplicationsList): string {
  const supervised = list.applications.filter((a) => a.supervisor);
  const lines = [
    `Applications running on ${list.node} (${grouped(list.applications.length)}, ${grouped(supervised.length)} with a supervision tree):`,
    ...list.applications.map((app) => {
      const top = app.supervisor
        ? `top supervisor ${app.supervisorName ? `${formatName(app.supervisorName)} ` : ''}${app.supervisor}`
        : 'a library application (no processes of its own, no supervisor)';
      return `- ${app.name} ${app.version}: ${app.description || 'no description'}; ${top}`;
    }),
    'Ask with "supervisor" (a pid or a registered name) for a supervisor\'s children.',
  ];
  return boundedLines(lines, (cut) => `[cut: ${grouped(cut.omittedBytes)} bytes of this list left out to keep it short]`);
}

/** Why a child has no pid: the supervisor is restarting it, or it is not running. */
function whereChild(child: SupervisorChild): string {
  if (child.pid) return child.pid;
  return child.status === 'restarting'
    ? 'no pid: its supervisor is restarting it'
    : 'no pid: not running (it exited and was not restarted, or its start returned ignore)';
}

export function childLine(rank: number, child: SupervisorChild): string {
  const label = childLabel(child);
  const id = child.id === null ? 'no id (a dynamic child)' : `id ${child.id}`;
  const restart = child.restart ? `restart ${child.restart}` : 'restart type unknown (read with which_children)';
  const named = label === child.pid ? '' : `${label} `;
  const more = child.type === 'supervisor' && child.pid ? ' (ask with "supervisor" for its children)' : '';
  return `${rank}. ${named}${whereChild(child)}: ${child.type}, ${restart}, ${id}${more}`;
}

/** One page of a supervisor's children, with the total and how to read the next page. */
export function supervisorChildrenText(page: SupervisorChildren): string {
  const who = page.name ? `${formatName(page.name)} (${page.pid})` : page.pid;
  const strategy = page.strategy ? `, strategy ${page.strategy}` : '';
  const first = page.offset + 1;
  const last = page.offset + page.children.length;
  const shown =
    page.children.length === 0
      ? page.total === 0
        ? 'none'
        : `none from number ${grouped(first)}`
      : page.children.length === page.total
        ? 'all shown'
        : `${grouped(first)} to ${grouped(last)} shown`;
  const how = page.source === 'which_children' ? '; its state has an unknown shape, so which_children answered' : '';
  const lines = [
    `Supervisor ${who} on ${page.node}: callback ${formatName(page.module)}${strategy}; ${plural(page.total, 'child', 'children')} (${shown})${how}:`,
    ...page.children.map((child, i) => childLine(first + i, child)),
  ];
  const left = page.total - last;
  if (left > 0 && page.children.length > 0) {
    lines.push(`[cut: ${plural(left, 'more child', 'more children')}; ask with "offset": ${last} for the next page]`);
  }
  return boundedLines(
    lines,
    (cut) =>
      `[cut: ${grouped(Math.max(0, cut.shownLines - 1))} of ${grouped(page.children.length)} children of this page shown, ` +
      `${grouped(cut.omittedBytes)} bytes left out; ask with a smaller "limit"]`,
  );
}
