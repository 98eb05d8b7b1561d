package kb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// categoryOption is a category in a picker: top-level categories in order,
// each followed by its sections, which are marked to be shown indented.
type categoryOption struct {
	ID       int64
	Name     string
	Slug     string
	Section  bool
	ParentID *int64
	Category Category
}

// categoryOptions orders categories as a one-level tree. A section whose
// parent is missing is shown at the top level rather than dropped.
func categoryOptions(cats []Category) []categoryOption {
	children := map[int64][]Category{}
	ids := map[int64]bool{}
	for _, c := range cats {
		ids[c.ID] = true
	}
	var top []Category
	for _, c := range cats {
		if c.ParentID != nil && ids[*c.ParentID] {
			children[*c.ParentID] = append(children[*c.ParentID], c)
		} else {
			top = append(top, c)
		}
	}
	less := func(s []Category) func(i, j int) bool {
		return func(i, j int) bool {
			if s[i].Position != s[j].Position {
				return s[i].Position < s[j].Position
			}
			return strings.ToLower(s[i].Name) < strings.ToLower(s[j].Name)
		}
	}
	sort.SliceStable(top, less(top))
	out := make([]categoryOption, 0, len(cats))
	for _, c := range top {
		out = append(out, categoryOption{ID: c.ID, Name: c.Name, Slug: c.Slug, Category: c})
		kids := children[c.ID]
		sort.SliceStable(kids, less(kids))
		for _, k := range kids {
			out = append(out, categoryOption{ID: k.ID, Name: k.Name, Slug: k.Slug, Section: true, ParentID: k.ParentID, Category: k})
		}
	}
	return out
}

// CategoryForm is the category form as typed.
type CategoryForm struct {
	Name, Slug, Description, ParentID, Position string
}

// Input converts the form for the service.
func (f CategoryForm) Input(id int64) (CategoryInput, web.FieldErrors) {
	fe := web.FieldErrors{}
	in := CategoryInput{ID: id, Name: f.Name, Slug: strings.TrimSpace(f.Slug), Description: f.Description}
	in.ParentID = parseOptionalID(fe, "parent_id", f.ParentID, "Choose a parent category from the list.")
	in.Position = parsePosition(fe, f.Position)
	for k, v := range in.Validate() {
		fe.Add(k, v)
	}
	return in, fe
}

func readCategoryForm(c *fiber.Ctx) CategoryForm {
	return CategoryForm{
		Name: c.FormValue("name"), Slug: c.FormValue("slug"), Description: c.FormValue("description"),
		ParentID: c.FormValue("parent_id"), Position: c.FormValue("position"),
	}
}

func categoryFormFrom(cat *Category) CategoryForm {
	f := CategoryForm{Name: cat.Name, Slug: cat.Slug, Description: cat.Description, Position: strconv.Itoa(cat.Position)}
	if cat.ParentID != nil {
		f.ParentID = strconv.FormatInt(*cat.ParentID, 10)
	}
	return f
}

// categoryRow is a category in the management table, with how many
// articles (any status) it holds directly and how many sections it has.
type categoryRow struct {
	categoryOption
	Articles int
	Sections int
}

// categoriesData is what the categories page needs; form and errors are
// for the "new category" form.
func (h *EditorHandlers) categoriesData(ctx context.Context, f CategoryForm, fe web.FieldErrors) (fiber.Map, error) {
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	arts, secs, err := h.svc.CategoryUsage(ctx)
	if err != nil {
		return nil, err
	}
	opts := categoryOptions(cats)
	rows := make([]categoryRow, len(opts))
	var parents []categoryOption
	for i, o := range opts {
		rows[i] = categoryRow{categoryOption: o, Articles: arts[o.ID], Sections: secs[o.ID]}
		if !o.Section {
			parents = append(parents, o)
		}
	}
	return fiber.Map{
		"Title":      "Knowledge base categories",
		"Nav":        "categories",
		"Categories": rows,
		"Parents":    parents,
		"Form":       f,
		"Errors":     fe,
	}, nil
}

// listCategories renders the category tree and the form for a new one.
func (h *EditorHandlers) listCategories(c *fiber.Ctx) error {
	f := CategoryForm{ParentID: c.Query("parent")}
	data, err := h.categoriesData(c.UserContext(), f, nil)
	if err != nil {
		return err
	}
	return web.Render(c, "kb/agent_categories", "", data)
}

// createCategory adds a category or section (POST /agent/kb/categories).
func (h *EditorHandlers) createCategory(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := readCategoryForm(c)
	in, fe := f.Input(0)
	if !fe.Any() {
		cat, err := h.svc.SaveCategory(ctx, in)
		if errors.As(err, &fe) {
			// shown below
		} else if err != nil {
			return err
		} else {
			kind := "category"
			if cat.ParentID != nil {
				kind = "section"
			}
			web.SetFlash(c, "success", "Created the "+kind+" “"+cat.Name+"”.")
			return web.Redirect(c, "/agent/kb/categories")
		}
	}
	data, err := h.categoriesData(ctx, f, fe)
	if err != nil {
		return err
	}
	return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "kb/agent_categories", "", data)
}

// editCategoryData is what the category edit page needs.
func (h *EditorHandlers) editCategoryData(ctx context.Context, cat *Category, f CategoryForm, fe web.FieldErrors) (fiber.Map, error) {
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	_, secs, err := h.svc.CategoryUsage(ctx)
	if err != nil {
		return nil, err
	}
	var parents []categoryOption
	for _, o := range categoryOptions(cats) {
		if !o.Section && o.ID != cat.ID {
			parents = append(parents, o)
		}
	}
	return fiber.Map{
		"Title":       "Edit category: " + cat.Name,
		"Nav":         "categories",
		"Category":    cat,
		"Parents":     parents,
		"HasSections": secs[cat.ID] > 0,
		"Form":        f,
		"Errors":      fe,
	}, nil
}

func (h *EditorHandlers) loadCategory(c *fiber.Ctx) (*Category, error) {
	id, err := pathID(c, "cid")
	if err != nil {
		return nil, err
	}
	cat, err := h.svc.Category(c.UserContext(), id)
	if err != nil {
		return nil, editorNotFound(err)
	}
	return cat, nil
}

// editCategory renders the form for one category.
func (h *EditorHandlers) editCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	data, err := h.editCategoryData(c.UserContext(), cat, categoryFormFrom(cat), nil)
	if err != nil {
		return err
	}
	return web.Render(c, "kb/agent_category", "", data)
}

// updateCategory saves the category form (POST /agent/kb/categories/:cid).
func (h *EditorHandlers) updateCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := readCategoryForm(c)
	in, fe := f.Input(cat.ID)
	if !fe.Any() {
		saved, err := h.svc.SaveCategory(ctx, in)
		if errors.As(err, &fe) {
			// shown below
		} else if err != nil {
			return editorNotFound(err)
		} else {
			web.SetFlash(c, "success", "Saved “"+saved.Name+"”.")
			return web.Redirect(c, "/agent/kb/categories")
		}
	}
	data, err := h.editCategoryData(ctx, cat, f, fe)
	if err != nil {
		return err
	}
	return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "kb/agent_category", "", data)
}

// deleteCategory removes an empty category (POST
// /agent/kb/categories/:cid/delete). One that still has sections or
// articles (of any status) is kept, with a message saying what to move
// first: deleting it would silently uncategorise published articles.
func (h *EditorHandlers) deleteCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	arts, secs, err := h.svc.CategoryUsage(ctx)
	if err != nil {
		return err
	}
	if msg := categoryInUse(cat.Name, arts[cat.ID], secs[cat.ID]); msg != "" {
		data, err := h.categoriesData(ctx, CategoryForm{}, nil)
		if err != nil {
			return err
		}
		data["DeleteError"] = msg
		return web.RenderStatus(c, fiber.StatusConflict, "kb/agent_categories", "", data)
	}
	if err := h.svc.DeleteCategory(ctx, cat.ID); err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", "Deleted “"+cat.Name+"”.")
	return web.Redirect(c, "/agent/kb/categories")
}

// categoryInUse explains why a category cannot be deleted, or returns "".
func categoryInUse(name string, articles, sections int) string {
	var parts []string
	if sections > 0 {
		parts = append(parts, countNoun(sections, "section"))
	}
	if articles > 0 {
		parts = append(parts, countNoun(articles, "article"))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("“%s” still has %s. Move or delete them first; only an empty category can be deleted.",
		name, strings.Join(parts, " and "))
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
