// Measures every plotly figure on the page as a learner sees it (issue 13). Evaluated by
// tests/test_browser_figures.py; returns one record per figure, in page order.
() => {
  const DAY = 86400000;
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return r.width > 0.5 && r.height > 0.5
      ? { l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height }
      : null;
  };
  const meets = (a, b) =>
    a && b && Math.min(a.r, b.r) - Math.max(a.l, b.l) > 1 && Math.min(a.b, b.b) - Math.max(a.t, b.t) > 1;
  const leadingNumber = (s) => {
    const m = /^\s*[<>≤≥]?\s*(-?\d+(?:\.\d+)?)/.exec(String(s));
    return m ? parseFloat(m[1]) : null;
  };
  // labels led by a number ("5s", "1-3", "15+ days") must read in ascending order
  const outOfOrder = (labels) => {
    const nums = labels.map(leadingNumber);
    if (labels.length < 2 || nums.some((n) => n === null)) return false;
    return nums.some((n, i) => i > 0 && n < nums[i - 1]);
  };
  const RAW = /\b[a-z0-9]+_[a-z0-9_]+\b|\b(\w+) \1\b/;
  const out = [];
  document.querySelectorAll(".js-plotly-plot").forEach((gd, index) => {
    const L = gd._fullLayout;
    if (!L) return;
    const rec = { index, title: (L.title && L.title.text) || "", problems: [] };
    const svgBox = box(gd.querySelector(".main-svg"));
    const titleBox = box(gd.querySelector(".g-gtitle .gtitle"));
    const legendBox = L.showlegend ? box(gd.querySelector(".legend .bg")) : null;
    // axis titles: against the chart title and the legend, and taller than their axis
    const axisTitles = [...gd.querySelectorAll(".infolayer [class$='title'] text")].filter(
      (t) => /^[xy]\d*title$/.test(t.getAttribute("class") || ""),
    );
    rec.axis_titles = axisTitles.length;
    for (const t of axisTitles) {
      const b = box(t);
      const name = t.getAttribute("class");
      if (meets(b, titleBox)) rec.problems.push(`axis title ${name} meets the chart title`);
      if (meets(b, legendBox)) rec.problems.push(`axis title ${name} meets the legend`);
      const axis = L[name.startsWith("x") ? "xaxis" + name.slice(1, -5) : "yaxis" + name.slice(1, -5)];
      if (b && axis && name.startsWith("y") && b.h > axis._length + 2)
        rec.problems.push(`axis title ${name} (${Math.round(b.h)}px) taller than its axis (${Math.round(axis._length)}px)`);
      if (b && svgBox && (b.l < svgBox.l - 1 || b.t < svgBox.t - 1 || b.b > svgBox.b + 1))
        rec.problems.push(`axis title ${name} cut by the figure's edge`);
      if (RAW.test(t.textContent)) rec.problems.push(`raw name in axis title: ${t.textContent}`);
    }
    if (meets(titleBox, legendBox)) rec.problems.push("legend meets the chart title");
    // labels on the chart (timeline badges and key, reference-line labels): no two boxes overlap,
    // and none meets an axis title
    const labels = [...gd.querySelectorAll(".annotation .annotation-text-g")]
      .map((g) => ({ text: g.textContent, b: box(g) }))
      .filter((a) => a.b);
    for (const t of axisTitles)
      for (const a of labels)
        if (meets(box(t), a.b))
          rec.problems.push(`axis title ${t.getAttribute("class")} meets the label "${a.text.slice(0, 40)}"`);
    for (const a of labels)
      if (meets(a.b, legendBox)) rec.problems.push(`label "${a.text.slice(0, 40)}" meets the legend`);
    rec.labels = labels.length;
    rec.label_overlaps = 0;
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++)
        if (meets(labels[i].b, labels[j].b)) {
          rec.label_overlaps += 1;
          rec.problems.push(`labels overlap: "${labels[i].text}" / "${labels[j].text}"`);
        }
    // legend: human names, declared order
    const legendTexts = [...gd.querySelectorAll(".legend .traces .legendtext")].map((t) => t.textContent);
    for (const s of legendTexts) if (RAW.test(s)) rec.problems.push(`raw name in legend: ${s}`);
    const legendTitle = gd.querySelector(".legend .legendtitletext");
    if (legendTitle && RAW.test(legendTitle.textContent))
      rec.problems.push(`raw name in legend title: ${legendTitle.textContent}`);
    if (outOfOrder(legendTexts)) rec.problems.push(`legend out of order: ${legendTexts.join(", ")}`);
    // axes: date ranges within a day of the data, categorical axes in their declared order
    rec.categorical_axes = 0;
    rec.date_axes = 0;
    for (const key of Object.keys(L).filter((k) => /^[xy]axis\d*$/.test(k))) {
      const ax = L[key];
      if (!ax || !ax._id) continue;
      const letter = key[0];
      const traces = gd._fullData.filter(
        (tr) => tr.visible === true && tr[letter + "axis"] === ax._id && tr.meta !== "timeline",
      );
      if (ax.type === "category") {
        rec.categorical_axes += 1;
        const cats = ax._categories || [];
        if (outOfOrder(cats)) rec.problems.push(`${key} categories out of order: ${cats.join(", ")}`);
        if (ax.categoryorder === "array" && ax.categoryarray) {
          const declared = [...ax.categoryarray].map(String).filter((c) => cats.includes(c));
          if (declared.join("\u0000") !== cats.filter((c) => declared.includes(c)).join("\u0000"))
            rec.problems.push(`${key} not in its declared order`);
        }
      }
      if (ax.type === "date" && letter === "x" && traces.length) {
        rec.date_axes += 1;
        let lo = Infinity;
        let hi = -Infinity;
        for (const tr of traces) {
          for (const v of tr.x || []) {
            const c = ax.d2c(v);
            if (Number.isFinite(c)) {
              lo = Math.min(lo, c);
              hi = Math.max(hi, c);
            }
          }
        }
        const r0 = ax.r2c(ax.range[0]);
        const r1 = ax.r2c(ax.range[1]);
        if (Number.isFinite(lo) && (lo - r0 > DAY || r1 - hi > DAY))
          rec.problems.push(
            `${key} extends past the data by ${((lo - r0) / DAY).toFixed(1)} / ${((r1 - hi) / DAY).toFixed(1)} days`,
          );
      }
    }
    out.push(rec);
  });
  return out;
}
