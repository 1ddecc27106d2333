package staff

import "golang.org/x/crypto/bcrypt"

// DummyCost returns the bcrypt cost of the hash Login compares against for an
// unknown username.
func DummyCost(s *Store) (int, error) { return bcrypt.Cost(s.dummy) }
