// Starts GraphiQL on insyn's explorer page (internal/explorer). All it uses
// is on the page: React, ReactDOM and GraphiQL as globals from the vendored
// UMD builds, and the example queries in the JSON block #insyn-explorer.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('insyn-explorer').textContent);
  var root = document.getElementById('graphiql');
  // GraphiQL's dialogs add <style> elements while open (react-remove-scroll),
  // with the nonce found here; the page's Content-Security-Policy admits
  // inline styles by this nonce only.
  window.__webpack_nonce__ = root.dataset.styleNonce;
  var params = new URLSearchParams(window.location.search);
  // ?query= (and &variables=) open a query of a link in the first tab.
  var query = params.get('query') || undefined;
  var variables = params.get('variables') || undefined;
  var tabs = config.examples.map(function (example) {
    return { query: example.query };
  });
  if (query) {
    tabs.unshift({ query: query, variables: variables });
  }
  // "graphql" relative to the page keeps the path prefix the API is served
  // under: /prod/graphiql posts to /prod/graphql on an API Gateway stage.
  var fetcher = GraphiQL.createFetcher({
    url: new URL('graphql', window.location.href).toString(),
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      query: query,
      variables: variables,
      // GraphiQL keeps the open tabs in localStorage; the namespace changes
      // with the examples, so a visitor sees new examples when they change.
      storage: GraphiQL.createLocalStorage({ namespace: config.storage }),
      isHeadersEditorEnabled: false,
    }),
  );
})();
