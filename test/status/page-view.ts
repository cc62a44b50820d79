/**
 * What the status page shows, read from its DOM, for the browser tests: one
 * reader for every driver (playwright-core's Chromium page and
 * puppeteer-core's Firefox page both evaluate a function in the page).
 */

/** A page a test can run a function in. */
export interface EvaluatingPage {
  evaluate<T>(fn: () => T): Promise<T>;
}

/** The little of the DOM that readView() touches (it runs in the page; this project has no DOM types). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly classList: Iterable<string>;
  readonly open?: boolean;
  querySelector(selector: string): PageElement | null;
}
declare const document: {
  readonly documentElement: { readonly scrollWidth: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};

/** What the page shows, read from the DOM. */
export interface PageView {
  rows: { id: string; state: string; range: string; metadata: string }[];
  departed: { id: string; state: string }[];
  departedOpen: boolean;
  bar: { id: string; range: string; state: string }[];
  total: string;
  logTypes: string[];
  logText: string;
  injected: number;
  idText: string;
}

export function readView(page: EvaluatingPage): Promise<PageView> {
  return page.evaluate(() => {
    const rows = (selector: string) => [...document.querySelectorAll(selector)];
    return {
      rows: rows('table[data-section="view"] tbody tr').map((tr) => ({
        id: tr.dataset.id ?? '',
        state: tr.dataset.state ?? '',
        range: tr.querySelector('[data-cell="range"]')?.textContent ?? '',
        metadata: tr.querySelector('[data-cell="metadata"]')?.textContent ?? '',
      })),
      departed: rows('details[data-section="departed"] tbody tr').map((tr) => ({
        id: tr.dataset.id ?? '',
        state: tr.dataset.state ?? '',
      })),
      departedOpen: document.querySelector('details[data-section="departed"]')?.open === true,
      bar: rows('.bar .segment').map((s) => ({
        id: s.dataset.id ?? '',
        range: s.dataset.range ?? '',
        state: [...s.classList].includes('suspect') ? 'suspect' : 'alive',
      })),
      total: document.querySelector('[data-fact="total"]')?.textContent ?? '',
      logTypes: rows('.log li').map((li) => li.dataset.type ?? ''),
      logText: document.querySelector('.log')?.textContent ?? '',
      injected: document.querySelectorAll('#app img, #injected').length,
      idText: [...document.querySelectorAll('td.id, .bar .segment')].map((e) => e.textContent).join(' '),
    };
  });
}

/** Polls the page until `done` holds (bounded by `timeoutMs`); returns the view and when it held. */
export async function waitForView(
  page: EvaluatingPage,
  what: string,
  done: (view: PageView) => boolean,
  timeoutMs: number,
): Promise<PageView> {
  const deadline = Date.now() + timeoutMs;
  let view = await readView(page);
  while (!done(view)) {
    if (Date.now() > deadline)
      throw new Error(`page: no ${what} within ${timeoutMs} ms; last view: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    view = await readView(page);
  }
  return view;
}
