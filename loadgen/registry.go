package loadgen

// constructors maps each external generator's name to its adapter.
func constructors() map[string]func(Options) Generator {
	return map[string]func(Options) Generator{
		Fortio:    newFortio,
		WRK2:      newWRK2,
		Nighthawk: newNighthawk,
		Vegeta:    newVegeta,
		WRK:       newWRK,
		Hey:       newHey,
	}
}
