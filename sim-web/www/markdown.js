// A small Markdown renderer for teaching notes: paragraphs, **bold**,
// *italic*, `code` and "- " lists. It builds DOM nodes and never parses
// HTML, so scenario text (which may come from a shared link) cannot inject
// markup or script.

/** Appends `text` with inline marks as nodes of `parent`. */
function inline(parent, text) {
  const pattern = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    parent.append(document.createTextNode(text.slice(last, match.index)));
    const token = match[0];
    let node;
    if (token.startsWith("`")) {
      node = document.createElement("code");
      node.textContent = token.slice(1, -1);
    } else if (token.startsWith("**")) {
      node = document.createElement("strong");
      node.textContent = token.slice(2, -2);
    } else {
      node = document.createElement("em");
      node.textContent = token.slice(1, -1);
    }
    parent.append(node);
    last = match.index + token.length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

/** Renders `markdown` into the element `target`, replacing its content.
 * Lines starting with "- " are list items (continued by the lines after
 * them); other runs of lines are paragraphs; blank lines separate blocks. */
export function renderMarkdown(target, markdown) {
  target.replaceChildren();
  for (const block of markdown.split(/\n\s*\n/)) {
    let para = null;
    let list = null;
    let item = null;
    for (const line of block.split("\n").map((l) => l.trim()).filter(Boolean)) {
      if (line.startsWith("- ")) {
        if (!list) {
          list = document.createElement("ul");
          target.append(list);
        }
        item = document.createElement("li");
        list.append(item);
        inline(item, line.slice(2));
        para = null;
      } else if (item) {
        inline(item, " " + line);
      } else {
        if (!para) {
          para = document.createElement("p");
          target.append(para);
        } else {
          para.append(document.createTextNode(" "));
        }
        inline(para, line);
      }
    }
  }
}
