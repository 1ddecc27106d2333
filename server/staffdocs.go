package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/govhall/govhall/kiosk"
)

// staffListDocuments is GET /api/v1/staff/documents: any state, for editors
// and reviewers.
func (s *Server) staffListDocuments(c *fiber.Ctx) error {
	f, err := filter(c)
	if err != nil {
		return err
	}
	f.State = c.Query("state")
	ds, total, err := s.deps.Catalog.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"total": total, "items": ds})
}

// staffGetDocument is GET /api/v1/staff/documents/{id} with its review history.
func (s *Server) staffGetDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := s.deps.Catalog.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	h, err := s.deps.Catalog.History(c.UserContext(), id)
	if err != nil {
		return err
	}
	rev, err := s.deps.Catalog.Revision(c.UserContext(), id)
	if err != nil {
		return err
	}
	vs, err := s.deps.Catalog.Versions(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"document": d, "reviews": h, "revision": rev, "versions": vs, "url": s.docURL(d.Code)})
}

// createDocument is POST /api/v1/staff/documents: a new draft.
func (s *Server) createDocument(c *fiber.Ctx) error {
	var in kiosk.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	id, err := s.deps.Catalog.CreateDraft(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id, "state": kiosk.StateDraft})
}

// updateDocument is PUT /api/v1/staff/documents/{id}: edit a draft, or
// save the revision of a published document (reviewed like a draft).
func (s *Server) updateDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in kiosk.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Catalog.Save(c.UserContext(), actor(c), id, in); err != nil {
		return err
	}
	d, err := s.deps.Catalog.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": id, "state": d.State, "revision": d.State == kiosk.StatePublished})
}

// submitDocument is POST /api/v1/staff/documents/{id}/submit: to 初审.
func (s *Server) submitDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	caseID, err := s.deps.Catalog.Submit(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"case": caseID, "step": 1, "step_name": kiosk.StepName(1)})
}

// requestValidity is POST /api/v1/staff/documents/{id}/validity: repeal,
// expire or amend a published document, through review.
func (s *Server) requestValidity(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Validity   string `json:"validity"`
		ReplacedBy string `json:"replaced_by"`
		Reason     string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	caseID, err := s.deps.Catalog.RequestValidityChange(c.UserContext(), actor(c), id, in.Validity, in.ReplacedBy, in.Reason)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"case": caseID, "step": 1, "step_name": kiosk.StepName(1)})
}

// reviewQueue is GET /api/v1/staff/reviews: open cases, oldest first,
// those the account may decide at their current step first ("mine").
func (s *Server) reviewQueue(c *fiber.Ctx) error {
	cs, err := s.deps.Catalog.ReviewQueue(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": cs})
}

// reviewDiff is GET /api/v1/staff/reviews/{id}/diff?against=published|previous:
// the per-character changes of the case's version.
func (s *Server) reviewDiff(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cmp, err := s.deps.Catalog.Compare(c.UserContext(), id, c.Query("against"))
	if err != nil {
		return err
	}
	return c.JSON(cmp)
}

// decideReview is POST /api/v1/staff/reviews/{id} {"decision","comment"}.
func (s *Server) decideReview(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Decision string `json:"decision"`
		Comment  string `json:"comment"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	cs, err := s.deps.Catalog.Decide(c.UserContext(), actor(c), id, in.Decision, in.Comment)
	if err != nil {
		return err
	}
	return c.JSON(cs)
}

// departments is GET /api/v1/departments (public: names and phones only).
func (s *Server) departments(c *fiber.Ctx) error {
	ds, err := s.deps.Catalog.Departments(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ds})
}

// saveDepartment is PUT /api/v1/staff/departments/{code} (admin).
func (s *Server) saveDepartment(c *fiber.Ctx) error {
	var d kiosk.Department
	if err := decode(c, &d); err != nil {
		return err
	}
	d.Code = c.Params("code")
	d, err := s.deps.Catalog.SaveDepartment(c.UserContext(), actor(c), d)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// categories is GET /api/v1/categories: the tree with public counts.
func (s *Server) categories(c *fiber.Ctx) error {
	cs, err := s.deps.Catalog.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": cs})
}

// createCategory is POST /api/v1/staff/categories {"path"} (admin).
func (s *Server) createCategory(c *fiber.Ctx) error {
	var in struct {
		Path string `json:"path"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	id, err := s.deps.Catalog.EnsureCategoryPath(c.UserContext(), actor(c), in.Path)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id, "path": in.Path})
}

// renameCategory is PATCH /api/v1/staff/categories/{id} {"name"} (admin).
func (s *Server) renameCategory(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Catalog.RenameCategory(c.UserContext(), actor(c), id, in.Name); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deleteCategory is DELETE /api/v1/staff/categories/{id} (admin).
func (s *Server) deleteCategory(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Catalog.DeleteCategory(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
