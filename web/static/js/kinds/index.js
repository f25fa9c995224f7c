// The one table of activity kinds: a kind's name to its module (./<name>.js). Every page asks here
// and never branches on a kind's name itself. A module exports:
//   title         its name for the facilitator (an N_ text);
//   phone(card, ctx)                       the phone's view (ctx: see participant.js; ctx.own is
//                                          what only this phone sees, from the server's `mine`);
//   results(results, activity, options)    the results, for a phone ({compact}), the remote ({host,
//                                          onModerate}) and the big screen ({stage});
//   stage(node, results, activity, kept)   the big screen's view into node; kept lives as long as
//                                          the activity stays on the screen (views that animate);
//   ownResults    (optional) the phone view shows the results itself (no separate results card).
//   together      (optional) phones take part through what the whole room answers at once: it
//                 cannot be a step of a self-paced questionnaire (the server refuses it too).
// Modules load when a page first needs them: a phone waiting for the first question loads none.
const MODULES = {
  open: () => import("./open.js"),
  wordcloud: () => import("./wordcloud.js"),
  scales: () => import("./scales.js"),
  checkout: () => import("./checkout.js"),
  choice: () => import("./choice.js"),
  groups: () => import("./groups.js"),
  cards: () => import("./cards.js"),
  grid: () => import("./grid.js"),
  ranking: () => import("./ranking.js"),
  points: () => import("./points.js"),
  quiz: () => import("./quiz.js"),
};

export const KIND_NAMES = Object.keys(MODULES);

const loaded = new Map(); // name -> module
const loading = new Map(); // name -> promise of the module

export function loadKind(name) {
  if (!MODULES[name]) return Promise.resolve(null); // a kind this page does not know: no view
  if (!loading.has(name)) {
    loading.set(name, MODULES[name]().then((module) => {
      loaded.set(name, module);
      return module;
    }, (problem) => {
      loading.delete(name); // tried again on the next frame (a phone that was offline)
      throw problem;
    }));
  }
  return loading.get(name);
}

// The kind's module when it has loaded; else undefined, and `then` runs once it has (a page renders
// again). null for a kind this page does not know.
export function kindNow(name, then) {
  if (loaded.has(name)) return loaded.get(name);
  if (!MODULES[name]) return null;
  loadKind(name).then(then, () => {});
  return undefined;
}

export function loadAllKinds() {
  return Promise.all(KIND_NAMES.map(loadKind));
}
