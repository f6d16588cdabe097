/**
 * Stand-ins for the theme CSS variables VS Code puts on a webview's <html>
 * element, with the values of its Dark Modern, Light Modern and Dark High
 * Contrast themes, for rendering the webview in plain Chromium. Only the
 * variables the load charts and the VS Code Elements controls read.
 */
export type ThemeName = 'dark' | 'light' | 'high-contrast';

const FONT = '--vscode-font-family: system-ui, "Ubuntu", "Droid Sans", sans-serif; --vscode-font-size: 13px; --vscode-font-weight: normal;';

const THEMES: Record<ThemeName, Record<string, string>> = {
  dark: {
    foreground: '#cccccc',
    descriptionForeground: '#9d9d9d',
    errorForeground: '#f85149',
    'editor-background': '#1f1f1f',
    'sideBar-background': '#181818',
    'editorWarning-foreground': '#cca700',
    'charts-foreground': '#cccccc',
    'charts-lines': 'rgba(204, 204, 204, 0.5)',
    'charts-red': '#f14c4c',
    'charts-blue': '#3794ff',
    'charts-yellow': '#cca700',
    'charts-orange': '#d18616',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'widget-border': '#313131',
    'widget-shadow': 'rgba(0, 0, 0, 0.36)',
    'editorHoverWidget-background': '#202020',
    'editorHoverWidget-foreground': '#cccccc',
    'editorHoverWidget-border': '#454545',
    'statusBarItem-errorBackground': '#c72e0f',
    'statusBarItem-errorForeground': '#ffffff',
    focusBorder: '#0078d4',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1',
    'button-border': 'rgba(255, 255, 255, 0.07)',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#3c3c3c',
    'dropdown-background': '#313131',
    'dropdown-border': '#3c3c3c',
    'dropdown-foreground': '#cccccc',
    'settings-dropdownBackground': '#313131',
    'settings-dropdownBorder': '#3c3c3c',
    'settings-dropdownForeground': '#cccccc',
    'settings-dropdownListBorder': '#454545',
    'list-activeSelectionBackground': '#04395e',
    'list-activeSelectionForeground': '#ffffff',
    'list-hoverBackground': '#2a2d2e',
  },
  light: {
    foreground: '#3b3b3b',
    descriptionForeground: '#717171',
    errorForeground: '#f85149',
    'editor-background': '#ffffff',
    'sideBar-background': '#f8f8f8',
    'editorWarning-foreground': '#bf8803',
    'charts-foreground': '#616161',
    'charts-lines': 'rgba(97, 97, 97, 0.5)',
    'charts-red': '#e51400',
    'charts-blue': '#1a85ff',
    'charts-yellow': '#bf8803',
    'charts-orange': '#d18616',
    'charts-green': '#388a34',
    'charts-purple': '#652d90',
    'widget-border': '#e5e5e5',
    'widget-shadow': 'rgba(0, 0, 0, 0.16)',
    'editorHoverWidget-background': '#f8f8f8',
    'editorHoverWidget-foreground': '#3b3b3b',
    'editorHoverWidget-border': '#c8c8c8',
    'statusBarItem-errorBackground': '#c72e0f',
    'statusBarItem-errorForeground': '#ffffff',
    focusBorder: '#005fb8',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#0258a8',
    'button-border': 'rgba(0, 0, 0, 0.1)',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc',
    'dropdown-background': '#ffffff',
    'dropdown-border': '#cecece',
    'dropdown-foreground': '#3b3b3b',
    'settings-dropdownBackground': '#ffffff',
    'settings-dropdownBorder': '#cecece',
    'settings-dropdownForeground': '#3b3b3b',
    'settings-dropdownListBorder': '#c8c8c8',
    'list-activeSelectionBackground': '#e8e8e8',
    'list-activeSelectionForeground': '#000000',
    'list-hoverBackground': '#f2f2f2',
  },
  'high-contrast': {
    foreground: '#ffffff',
    descriptionForeground: 'rgba(255, 255, 255, 0.7)',
    errorForeground: '#f48771',
    'editor-background': '#000000',
    'sideBar-background': '#000000',
    'editorWarning-foreground': '#ffd370',
    'charts-foreground': '#ffffff',
    'charts-lines': 'rgba(255, 255, 255, 0.5)',
    'charts-red': '#f14c4c',
    'charts-blue': '#3794ff',
    'charts-yellow': '#ffd370',
    'charts-orange': '#d18616',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'widget-border': '#6fc3df',
    'widget-shadow': 'transparent',
    'editorHoverWidget-background': '#0c141f',
    'editorHoverWidget-foreground': '#ffffff',
    'editorHoverWidget-border': '#6fc3df',
    'statusBarItem-errorBackground': '#000000',
    'statusBarItem-errorForeground': '#f48771',
    focusBorder: '#f38518',
    'button-background': '#000000',
    'button-foreground': '#ffffff',
    'button-border': '#6fc3df',
    'button-secondaryBackground': '#000000',
    'button-secondaryForeground': '#ffffff',
    'dropdown-background': '#000000',
    'dropdown-border': '#6fc3df',
    'dropdown-foreground': '#ffffff',
    'settings-dropdownBackground': '#000000',
    'settings-dropdownBorder': '#6fc3df',
    'settings-dropdownForeground': '#ffffff',
    'settings-dropdownListBorder': '#6fc3df',
    'list-activeSelectionBackground': '#000000',
    'list-activeSelectionForeground': '#ffffff',
    'list-hoverBackground': '#000000',
  },
};

export const BODY_CLASS: Record<ThemeName, string> = {
  dark: 'vscode-dark',
  light: 'vscode-light',
  'high-contrast': 'vscode-high-contrast',
};

/** The stylesheet a test page loads in place of VS Code's injected theme. */
export function themeCss(theme: ThemeName): string {
  const vars = Object.entries(THEMES[theme])
    .map(([name, value]) => `--vscode-${name}: ${value};`)
    .join('\n  ');
  // VS Code paints the webview's background with the view's own: the sidebar's or the editor's.
  return (
    `html {\n  ${FONT}\n  ${vars}\n  background: var(--vscode-editor-background);\n}\n` +
    'html:has(body[data-surface="sidebar"]) { background: var(--vscode-sideBar-background); }\n'
  );
}

/** A theme's variables by full name (--vscode-...), as VS Code sets them on <html> when the theme changes. */
export function themeVariables(theme: ThemeName): Record<string, string> {
  return Object.fromEntries(Object.entries(THEMES[theme]).map(([name, value]) => [`--vscode-${name}`, value]));
}

/** A theme's value of one variable, e.g. to look for its colour in a screenshot. */
export function themeColor(theme: ThemeName, name: string): string {
  return THEMES[theme][name];
}
