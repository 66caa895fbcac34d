"""People, and what Korpo keeps of them (a work e-mail, a name, their choices):

accounts   sign-up, sign-in and passwords through the user pool's public API
existing_account  the e-mail an address with an account gets when it signs up again
employees  who may sign up; the profile made on the first visit
profiles   what an employee chooses: name, team, pseudonym, language, digest
names      display names on the boards, or a stable pseudonym
teams      the teams admins keep, and the monthly team board
directory  everyone by name, a page at a time
roster     the admins' list of employees
access     admin rights and deactivation, taken back at once
privacy    everything of one employee as JSON, and the account's deletion
"""
