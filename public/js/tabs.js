/* global document, window, history */
/**
 * WAI-ARIA tabs: click or Enter/Space to choose, Left/Right/Home/End to move between tabs
 * (automatic activation), the chosen tab in the URL hash (#draw, #eval) so it can be linked.
 */

/**
 * @param {HTMLElement} tablist
 * @param {(name: string) => void} onShow called with the panel's short name each time one is shown
 */
export function setUpTabs(tablist, onShow) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')];
  const nameOf = (tab) => tab.id.replace(/^tab-/, '');

  const select = (tab, { focus = false, updateHash = true } = {}) => {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls'));
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
    if (updateHash) history.replaceState(null, '', `#${nameOf(tab)}`);
    onShow(nameOf(tab));
  };

  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(tab);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length], { focus: true });
    });
  }

  const fromHash = () => {
    const tab = tabs.find((t) => `#${nameOf(t)}` === window.location.hash);
    if (tab) select(tab, { updateHash: false });
  };
  window.addEventListener('hashchange', fromHash);
  fromHash();
}
