"""Quality, adverse-event and service complaints with lot trace and SLAs."""
