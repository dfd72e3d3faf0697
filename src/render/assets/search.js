// repoflame's search, called by inferno's search() (see svg.rs): paths and
// languages as well as names, and "Matched:" against the whole source.

// The languages of the graph's files, by their name in lower case.
function rf_languages() {
    var out = {}, el = frames.querySelectorAll("[data-lang]");
    for (var i = 0; i < el.length; i++) {
        var language = el[i].getAttribute("data-lang");
        out[language.toLowerCase()] = language;
    }
    return out;
}

// What a search term asks for: languages ("Go", "rust|go"), or a regular
// expression (plain text when the term is not one: "C++").
function rf_query(term) {
    var known = rf_languages(), languages = {}, names = term.split("|");
    for (var i = 0; i < names.length; i++) {
        var language = known[names[i].trim().toLowerCase()];
        if (!language) {
            languages = null;
            break;
        }
        languages[language] = true;
    }
    if (languages) return { languages: languages };
    try {
        return { re: new RegExp(term) };
    } catch (e) {
        return { re: new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) };
    }
}

// Gives each frame its path from the root (rf_path; a directory's ends in
// "/"): a frame's parent is the frame one level nearer the root that spans
// its offset. Worked out once, from the layout inferno wrote.
function rf_paths() {
    if (frames.rf_paths) return;
    var el = frames.children, items = [];
    for (var i = 0; i < el.length; i++) {
        var rect = find_child(el[i], "rect");
        if (!rect) continue;
        items.push({
            e: el[i],
            x: parseInt(rect.attributes["fg:x"].value),
            w: parseInt(rect.attributes["fg:w"].value),
            y: parseFloat(rect.attributes.y.value)
        });
    }
    // Nearest the root first, each level left to right.
    items.sort(function (a, b) {
        return (inverted ? a.y - b.y : b.y - a.y) || a.x - b.x;
    });
    var below = [], level = [], y = null, j = 0;
    for (var i = 0; i < items.length; i++) {
        var item = items[i];
        if (item.y !== y) {
            below = level;
            level = [];
            y = item.y;
            j = 0;
        }
        while (j < below.length && below[j].x + below[j].w <= item.x) j++;
        var parent = j < below.length && below[j].x <= item.x ? below[j] : null;
        item.path = (parent ? parent.path + "/" : "") + g_to_func(item.e);
        item.e.rf_path = item.path + (item.e.hasAttribute("data-lang") ? "" : "/");
        level.push(item);
    }
    frames.rf_paths = true;
}

// Whether frame e (named func) is one the query asks for.
function rf_match(e, func, query) {
    if (query.languages) return query.languages[e.getAttribute("data-lang")] === true;
    rf_paths();
    return query.re.test(func) || query.re.test(e.rf_path);
}

// "Matched: 1,234 code lines (12.34%)": of the whole source, as the
// tooltips count.
function rf_matched(count) {
    var share = rf_percent(count, total_samples);
    if (!rf_unit) return "Matched: " + share + " of the width";
    var amount = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var unit = count == 1 ? rf_unit.replace(/s$/, "") : rf_unit;
    return "Matched: " + amount + " " + unit + " (" + share + ")";
}

// 12.34%, <0.01%, 100%: as repoflame's tooltips write shares.
function rf_percent(value, total) {
    if (total == 0) return "0%";
    if (value == total) return "100%";
    var pct = 100 * value / total;
    if (pct > 0 && pct < 0.01) return "<0.01%";
    return pct.toFixed(2) + "%";
}
